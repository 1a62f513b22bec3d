import { operationLabel } from '../ocpp/vocabulary.js';
import type { CsmsCallObserver } from '../bridge/csms-calls.js';
import type { IngressObserver } from '../bridge/ingress.js';
import type { MessageObserver } from '../bridge/message-run.js';
import type { ShadowObserver } from '../bridge/shadow-forwarder.js';
import type { EndpointObserver } from '../soap/central-system-endpoint.js';
import type { GatewayMetrics } from './metrics.js';
import type { ChargerTimeline } from './timeline.js';
import type { MessageTrace } from './trace.js';

/** Every event the gateway reports about the messages it handles. */
export interface GatewayObservers
  extends EndpointObserver,
    IngressObserver,
    MessageObserver,
    CsmsCallObserver,
    ShadowObserver {}

/**
 * Metrics, the message trace and the charger timelines see every exchange; tests may add observers of their own
 * (`extra`). The trace and the per-message metrics can be switched off (TRACE=false, MESSAGE_METRICS=false: `trace`
 * undefined, `messageMetrics` false); the counters of refusals and failures stay on.
 */
export function observeWith(
  metrics: GatewayMetrics,
  trace: MessageTrace | undefined,
  extra: GatewayObservers = {},
  timeline?: ChargerTimeline,
  messageMetrics = true,
): GatewayObservers {
  const perMessage = messageMetrics ? metrics : undefined;
  return {
    onSoapExchange: (e) => {
      perMessage?.onSoapExchange(e);
      if (e.identity && e.jobId) {
        trace?.record(e.identity, e.jobId, {
          direction: 'charger_to_csms',
          action: e.action,
          soapRequest: e.requestXml,
          soapResponse: e.responseXml,
          httpStatus: e.httpStatus,
        });
      }
      extra.onSoapExchange?.(e);
    },
    onExchange: (e) => {
      perMessage?.onExchange(e);
      if (e.rpcError) perMessage?.onRpcErrorFromCsms(e.rpcError);
      trace?.record(e.identity, e.jobId, {
        direction: 'charger_to_csms',
        action: e.action,
        ocppCall: e.call,
        ocppResult: e.result,
        outcome: e.via,
        wire: e.wire,
      });
      timeline?.onExchange(e);
      extra.onExchange?.(e);
    },
    onCsmsCall: (e) => {
      perMessage?.onCsmsCall(e);
      trace?.record(e.identity, e.messageId, {
        direction: 'csms_to_charger',
        action: e.action,
        ocppCall: e.request,
        ocppResult: 'result' in e.outcome ? e.outcome.result : e.outcome.error,
        soapRequest: e.soap?.requestXml,
        soapResponse: e.soap?.responseXml,
        outcome: 'result' in e.outcome ? 'result' : `CALLERROR ${e.outcome.error.code}`,
      });
      extra.onCsmsCall?.(e);
    },
    onRejected: (reason, status) => {
      metrics.onRejected(status);
      extra.onRejected?.(reason, status);
    },
    onCallbackRefused: (identity, rule) => {
      metrics.callbackRefused.inc({ rule });
      extra.onCallbackRefused?.(identity, rule);
    },
    onAuthFailure: (identity, address) => {
      metrics.authFailures.inc();
      extra.onAuthFailure?.(identity, address);
    },
    onThrottled: (identity, address) => {
      metrics.authThrottled.inc();
      extra.onThrottled?.(identity, address);
    },
    onCallbackChange: (identity, source) => {
      metrics.callbackChanges.inc({ source });
      extra.onCallbackChange?.(identity, source);
    },
    onChargerLimit: (identity) => {
      metrics.chargersRefused.inc();
      extra.onChargerLimit?.(identity);
    },
    onDivergence: (d) => {
      metrics.shadowDivergences.inc({ operation: operationLabel(d.operation), kind: d.kind });
      extra.onDivergence?.(d);
    },
    onOverflow: (identity, action, decision) => {
      metrics.onOverflow(action, decision);
      extra.onOverflow?.(identity, action, decision);
    },
  };
}
