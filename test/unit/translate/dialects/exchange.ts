import assert from 'node:assert/strict';
import type { CsmsProtocol, SchemaCheck, SourceDialect } from '../../../../src/ocpp/protocols.js';
import { check16 } from '../../../../src/ocpp/v16/protocol.js';
import { check201 } from '../../../../src/ocpp/v201/protocol.js';
import { soapDialect } from '../../../../src/soap/dialects.js';
import type { ComplexType, WsdlModel } from '../../../../src/soap/wsdl-model.js';
import type { ChargerState } from '../../../../src/translate/charger-state.js';
import type { TranslationContext } from '../../../../src/translate/context.js';
import type { ChargerReply, CsmsCallContext, GatewayAnswer } from '../../../../src/translate/csms-operation.js';
import type { FollowUpCall } from '../../../../src/translate/operation.js';
import { translationTables } from '../../../../src/translate/tables.js';

/**
 * One exchange of a protocol pair as the bridge runs it, with everything checked on the way: each OCPP-J payload
 * against the official schemas (ocpp-rpc), each SOAP body against the dialect's official WSDL.
 */

const CHECKS: Record<CsmsProtocol, (action: string, kind: 'req' | 'conf', payload: unknown) => SchemaCheck> = {
  'ocpp1.6': check16,
  'ocpp2.0.1': check201,
};

export function assertSchema(protocol: CsmsProtocol, action: string, kind: 'req' | 'conf', payload: unknown): void {
  const check = CHECKS[protocol](action, kind, payload);
  assert.ok(
    check.ok,
    `${action}.${kind} is not valid ${protocol}: ${check.ok ? '' : check.message}\n${JSON.stringify(payload)}`,
  );
}

const XS_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

/** A body value fits the WSDL type: known elements only, required ones present, enumerations and numbers right. */
export function assertWsdl(model: WsdlModel, typeName: string, value: unknown, path = typeName): void {
  const t = model.type(typeName);
  if (t.kind === 'simple') {
    if (t.enumeration) assert.ok(t.enumeration.includes(value as string), `${path}: ${String(value)} not in ${t.name}`);
    else if (t.base === 'int') assert.ok(Number.isInteger(value), `${path}: ${String(value)} is not an int`);
    else if (t.base === 'decimal') assert.equal(typeof value, 'number', path);
    else if (t.base === 'dateTime') assert.match(String(value), XS_DATETIME, `${path}: an xs:dateTime`);
    else if (t.base === 'boolean') assert.equal(typeof value, 'boolean', path);
    else assert.equal(typeof value, 'string', path);
    return;
  }
  const obj = value as Record<string, unknown>;
  const complex = t as ComplexType;
  for (const key of Object.keys(obj))
    assert.ok(complex.fields.some((f) => f.name === key) || complex.simpleContent, `${path}/${key} is not in the WSDL`);
  for (const f of complex.fields) {
    const v = obj[f.name];
    if (f.minOccurs > 0) assert.ok(v !== undefined, `${path}/${f.name} is required`);
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) assertWsdl(model, f.typeName, item, `${path}/${f.name}`);
  }
}

export function tablesOf(dialect: SourceDialect, protocol: CsmsProtocol) {
  return translationTables(dialect, protocol)!;
}

/**
 * A charger message through the pair: the request fits the dialect's WSDL, the CALL and the CSMS's answer the
 * protocol's schemas, and the charger's answer the WSDL again; then the reducer and its CALLs.
 */
export function chargerExchange(
  dialect: SourceDialect,
  protocol: CsmsProtocol,
  action: string,
  request: object,
  s: ChargerState,
  c: TranslationContext,
  result: object = {},
) {
  const cs = soapDialect(dialect).centralSystem();
  const wsdlOp = cs.operations.get(action)!;
  assertWsdl(cs, wsdlOp.requestType, request);
  const op = tablesOf(dialect, protocol).chargerInitiated.get(action)!;
  const reserved = op.reserve ? op.reserve(s, request, c) : s;
  const out = op.toCall(request, reserved, c);
  if (out.kind === 'answer') {
    assertWsdl(cs, wsdlOp.responseType, out.response);
    return { state: reserved, answered: out.response as Record<string, any>, followUps: [] as FollowUpCall[] };
  }
  const callAction = out.action ?? op.csmsAction;
  assertSchema(protocol, callAction, 'req', out.payload);
  assertSchema(protocol, callAction, 'conf', result);
  const response = op.toResponse(result, request, c, reserved);
  assertWsdl(cs, wsdlOp.responseType, response);
  const reduced = op.reduce?.(reserved, { request, call: out.payload, result, response }, c);
  for (const f of reduced?.followUps ?? []) assertSchema(protocol, f.action, 'req', f.payload);
  return {
    state: reduced?.state ?? reserved,
    callAction,
    call: out.payload as Record<string, any>,
    response: response as Record<string, any>,
    followUps: reduced?.followUps ?? [],
  };
}

export type FakeCharger = (action: string, request: any) => object;

/**
 * A CSMS call through the pair against a fake charger: every SOAP request and answer fits the dialect's
 * ChargePointService WSDL, the CALL, CALLRESULT and every CALL after it the protocol's schemas.
 */
export function csmsExchange(
  dialect: SourceDialect,
  protocol: CsmsProtocol,
  action: string,
  request: object,
  s: ChargerState,
  c: CsmsCallContext,
  charger: FakeCharger = () => ({ status: 'Accepted' }),
) {
  assertSchema(protocol, action, 'req', request);
  const cp = soapDialect(dialect).chargePoint();
  const op = tablesOf(dialect, protocol).csmsInitiated.get(action);
  assert.ok(op, `${action} is carried out for ${dialect}`);
  const sent: { action: string; request: any }[] = [];
  const call = (chargerAction: string, req: object): ChargerReply => {
    const wsdlOp = cp.operations.get(chargerAction)!;
    assertWsdl(cp, wsdlOp.requestType, req);
    sent.push({ action: chargerAction, request: req });
    const response = charger(chargerAction, req);
    assertWsdl(cp, wsdlOp.responseType, response);
    return { ok: true, response };
  };
  let out = op.toSoap(request, s, c);
  while (out.kind === 'step') out = out.step.next(call(out.step.chargerAction, out.step.request));
  if (out.kind === 'answer') {
    const answer: GatewayAnswer<object> = out;
    assertSchema(protocol, action, 'conf', answer.result);
    const followUps = [...(answer.followUps ?? [])];
    if (answer.after) followUps.push(...answer.after.next(call(answer.after.chargerAction, answer.after.request)));
    for (const f of followUps) assertSchema(protocol, f.action, 'req', f.payload);
    return { result: answer.result as Record<string, any>, sent, state: s, followUps };
  }
  const reply = call(op.chargerAction!, out.request);
  const result = op.fromSoap(reply.ok ? reply.response : {}, request, c);
  assertSchema(protocol, action, 'conf', result);
  const next = op.reduce?.(
    s,
    { request, soapRequest: out.request, soapResponse: reply.ok && reply.response, result },
    c,
  );
  return { result: result as Record<string, any>, sent, state: next ?? s, followUps: [] as FollowUpCall[] };
}
