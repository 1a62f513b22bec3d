import { openTransactionOn } from '../charger-state.js';
import { defined } from '../common.js';
import { meterValueTo16 } from '../meter-value.js';
import type { EmptyResponse15, MeterValuesRequest15 } from '../../ocpp/v15/types.js';
import type { EmptyPayload, MeterValuesRequest16 } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/**
 * docs/translation.md#metervalues. `values` -> `meterValue`, each `<value attrs>` -> `sampledValue`. An empty `values`
 * is answered by the
 * gateway: 1.6 requires at least one meterValue (docs/charger-quirks.md#q14-meter-value-shapes). transactionId 0 is no
 * transaction; a missing one while
 * the gateway knows an open transaction on the connector is filled in, so the CSMS can bill the sample
 * (docs/charger-quirks.md#q14-meter-value-shapes).
 */
export const meterValues: ChargerInitiatedOperation<
  MeterValuesRequest15,
  EmptyResponse15,
  MeterValuesRequest16,
  EmptyPayload
> = {
  chargerAction: 'MeterValues',
  csmsAction: 'MeterValues',
  toCall: (req, state, ctx) => {
    if (req.values.length === 0)
      return { kind: 'answer', response: {}, reason: 'MeterValues without values: nothing to forward' };
    let transactionId = req.transactionId === 0 ? undefined : req.transactionId;
    if (transactionId === undefined && req.connectorId > 0) {
      const open = openTransactionOn(state, req.connectorId);
      if (open) {
        transactionId = open.transactionId;
        ctx.notes.push(
          `transactionId ${open.transactionId} inferred from the open transaction on connector ${req.connectorId}`,
        );
      }
    }
    return {
      kind: 'call',
      payload: defined({
        connectorId: req.connectorId,
        transactionId,
        meterValue: req.values.map((mv) => meterValueTo16(mv, ctx)),
      }),
    };
  },
  toResponse: () => ({}),
};
