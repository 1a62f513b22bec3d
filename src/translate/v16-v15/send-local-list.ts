import { defined, fromCsmsTime } from '../common.js';
import type { SendLocalListRequest15, SendLocalListResponse15, UpdateStatus15 } from '../../ocpp/v15/types.js';
import type { SendLocalListRequest16, SendLocalListResponse16 } from '../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/**
 * 1.5 UpdateStatus -> 1.6 UpdateStatus: 1.6 has no hash, so HashError is a Failed update
 * (docs/translation.md#sendlocallist).
 */
const UPDATE_STATUS: Readonly<Record<UpdateStatus15, SendLocalListResponse16['status']>> = {
  Accepted: 'Accepted',
  Failed: 'Failed',
  HashError: 'Failed',
  NotSupported: 'NotSupported',
  VersionMismatch: 'VersionMismatch',
};

/**
 * docs/translation.md#sendlocallist: localAuthorizationList -> localAuthorisationList (British spelling in 1.5), WSDL
 * order, no hash (as SteVe).
 */
export const sendLocalList: CsmsInitiatedOperation<
  SendLocalListRequest16,
  SendLocalListResponse16,
  SendLocalListRequest15,
  SendLocalListResponse15
> = {
  csmsAction: 'SendLocalList',
  chargerAction: 'SendLocalList',
  toSoap: (r) => ({
    kind: 'soap',
    request: {
      updateType: r.updateType,
      listVersion: r.listVersion,
      localAuthorisationList: (r.localAuthorizationList ?? []).map((entry) =>
        defined({
          idTag: entry.idTag,
          idTagInfo:
            entry.idTagInfo &&
            defined({
              status: entry.idTagInfo.status,
              expiryDate:
                entry.idTagInfo.expiryDate === undefined ? undefined : fromCsmsTime(entry.idTagInfo.expiryDate),
              parentIdTag: entry.idTagInfo.parentIdTag,
            }),
        }),
      ),
    },
  }),
  fromSoap: (response) => ({ status: UPDATE_STATUS[response.status] }),
};
