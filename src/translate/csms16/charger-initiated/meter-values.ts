import { openTransactionOn } from '../../charger-state.js';
import { defined } from '../../field-rules.js';
import type { EmptyPayload, MeterValuesRequest16 } from '../../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/**
 * docs/translation.md#metervalues. The model's meter values are 1.6's. One without any is answered by the gateway:
 * 1.6 requires at least one meterValue (docs/charger-quirks.md#q14-meter-value-shapes). transactionId 0 is no
 * transaction; a missing one while the gateway knows an open transaction on the connector is filled in, so the CSMS
 * can bill the sample (docs/charger-quirks.md#q14-meter-value-shapes; a 1.2 charger never sends one).
 */
export const meterValues: ChargerInitiatedOperation<
  MeterValuesRequest16,
  EmptyPayload,
  MeterValuesRequest16,
  EmptyPayload
> = {
  chargerAction: 'MeterValues',
  csmsAction: 'MeterValues',
  toCall: (req, state, ctx) => {
    if (req.meterValue.length === 0)
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
      payload: defined({ connectorId: req.connectorId, transactionId, meterValue: req.meterValue }),
    };
  },
  toResponse: () => ({}),
};
