import assert from 'node:assert/strict';
import type { ChargerState } from '../../../../src/translate/charger-state.js';
import type {
  ChargerReply,
  CsmsCallContext,
  CsmsInitiatedOperation,
  GatewayAnswer,
} from '../../../../src/translate/csms-operation.js';
import type { FollowUpCall } from '../../../../src/translate/operation.js';
import { assertValid } from './helpers.js';

export type FakeCharger = (action: string, request: any) => object;

export interface Driven {
  result: any;
  /** What the charger was sent, in order. */
  sent: { action: string; request: any }[];
  answer?: GatewayAnswer<object>;
  state: ChargerState;
  followUps: FollowUpCall[];
}

/**
 * What the CSMS-call handler does with one CALL, against a fake charger: steps, the SOAP call, the answer's state
 * change, the CALLs after the CALLRESULT. Every CALL and CALLRESULT is checked against the 2.0.1 schemas.
 */
export function drive(
  op: CsmsInitiatedOperation,
  request: object,
  s: ChargerState,
  ctx: CsmsCallContext,
  charger: FakeCharger = () => ({ status: 'Accepted' }),
): Driven {
  assertValid(op.csmsAction, 'req', request);
  const sent: Driven['sent'] = [];
  const reply = (action: string, req: any): ChargerReply => {
    sent.push({ action, request: req });
    try {
      return { ok: true, response: charger(action, req) };
    } catch (err) {
      return { ok: false, failure: (err as Error).message };
    }
  };
  let out = op.toSoap(request, s, ctx);
  while (out.kind === 'step') {
    const r = reply(out.step.chargerAction, out.step.request);
    if (!r.ok && out.step.failFast) throw new Error(`CALLERROR: ${r.failure}`);
    out = out.step.next(r);
  }
  if (out.kind === 'answer') {
    assertValid(op.csmsAction, 'conf', out.result);
    let next = s;
    const followUps = [...(out.followUps ?? [])];
    if (out.update) {
      const u = out.update(s);
      next = u.state;
      followUps.push(...(u.followUps ?? []));
    }
    if (out.after) followUps.push(...out.after.next(reply(out.after.chargerAction, out.after.request)));
    for (const f of followUps) assertValid(f.action, 'req', f.payload);
    return { result: out.result, sent, answer: out, state: next, followUps };
  }
  const soapResponse = reply(op.chargerAction!, out.request);
  assert.ok(soapResponse.ok, 'the charger answered');
  const result = op.fromSoap(soapResponse.response, request, ctx);
  assertValid(op.csmsAction, 'conf', result);
  const next = op.reduce
    ? op.reduce(s, { request, soapRequest: out.request, soapResponse: soapResponse.response, result }, ctx)
    : s;
  return { result, sent, state: next, followUps: [] };
}
