import { defined } from '../common.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';
import type { SendLocalListRequest15, SendLocalListResponse15, UpdateStatus15 } from '../../ocpp/v15/types.js';
import type { SendLocalListRequest201, StatusResponse201 } from '../../ocpp/v201/csms-initiated.js';
import { idTokenInfoTo15 } from '../v15-v201/id-token.js';

type SendLocalListStatus201 = 'Accepted' | 'Failed' | 'VersionMismatch';

/** 1.5 UpdateStatus -> 2.0.1 SendLocalListStatusEnumType: HashError and NotSupported are Failed. */
const STATUS: Readonly<Record<UpdateStatus15, SendLocalListStatus201>> = {
  Accepted: 'Accepted',
  Failed: 'Failed',
  HashError: 'Failed',
  NotSupported: 'Failed',
  VersionMismatch: 'VersionMismatch',
};

/**
 * docs/translation-201.md#sendlocallist: versionNumber -> listVersion, entries idToken -> idTag with their info in 1.5
 * terms. A list with a token 1.5 cannot hold (over 20 characters, own or group) is Failed without reaching the
 * charger: a list with entries left out would authorise differently from the CSMS's.
 */
export const sendLocalList: CsmsInitiatedOperation<
  SendLocalListRequest201,
  StatusResponse201<SendLocalListStatus201>,
  SendLocalListRequest15,
  SendLocalListResponse15
> = {
  csmsAction: 'SendLocalList',
  chargerAction: 'SendLocalList',
  toSoap: (r, _state, ctx) => {
    const entries = r.localAuthorizationList ?? [];
    if (entries.some((e) => e.idToken.idToken.length > 20 || (e.idTokenInfo?.groupIdToken?.idToken.length ?? 0) > 20)) {
      return {
        kind: 'answer',
        result: {
          status: 'Failed',
          statusInfo: {
            reasonCode: 'IdTokenTooLong',
            additionalInfo: 'an OCPP 1.5 local list holds idTags of at most 20 characters',
          },
        },
      };
    }
    return {
      kind: 'soap',
      request: {
        updateType: r.updateType,
        listVersion: r.versionNumber,
        localAuthorisationList: entries.map((e) =>
          defined({
            idTag: e.idToken.idToken,
            idTagInfo: e.idTokenInfo === undefined ? undefined : idTokenInfoTo15(e.idTokenInfo, ctx),
          }),
        ),
      },
    };
  },
  fromSoap: (response) => ({ status: STATUS[response.status] ?? 'Failed' }),
};
