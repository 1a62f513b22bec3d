import type { OpenTransaction } from '../charger-state.js';
import type { StopReason16 } from '../../ocpp/v16/types.js';

/**
 * Why a transaction of a 1.2 or 1.5 charger ended, which those versions cannot say (docs/translation.md#stoptransaction;
 * 1.6 section 4.10: absent means Local): a command the gateway relayed and the charger accepted, a reboot during the
 * transaction, or a stop without idTag after the CSMS did not accept the start. A 1.6 SOAP charger gives its own.
 */
export function stopReason(tx: OpenTransaction | undefined, req: { idTag?: string }): StopReason16 | undefined {
  if (!tx) return undefined;
  if (tx.stopCause) return tx.stopCause;
  if (tx.rebootedDuringTransaction) return 'Reboot';
  if (tx.idTagStatus !== 'Accepted' && req.idTag === undefined) return 'DeAuthorized';
  return undefined;
}
