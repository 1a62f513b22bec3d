import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { GetLocalListVersionResponse16 } from '../../../ocpp/v16/types.js';
import type { EmptyPayload201 } from '../../../ocpp/v201/types.js';
import type { GetLocalListVersionResponse201 } from '../../../ocpp/v201/csms-initiated.js';

/**
 * docs/translation-201.md#getlocallistversion: listVersion is versionNumber; a 1.5 charger's -1 (no local list) is 0
 * in 2.0.1, which knows only "no list".
 */
export const getLocalListVersion: CsmsInitiatedOperation<
  EmptyPayload201,
  GetLocalListVersionResponse201,
  EmptyPayload201,
  GetLocalListVersionResponse16
> = {
  csmsAction: 'GetLocalListVersion',
  chargerAction: 'GetLocalListVersion',
  toSoap: () => ({ kind: 'soap', request: {} }),
  fromSoap: (response, _request, ctx) => {
    if (response.listVersion < 0)
      ctx.notes.push(`charger answered listVersion ${response.listVersion} (no local list support): versionNumber 0`);
    return { versionNumber: Math.max(0, response.listVersion) };
  },
};
