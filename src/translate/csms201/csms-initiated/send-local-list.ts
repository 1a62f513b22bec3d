import { defined } from '../../field-rules.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { SendLocalListRequest16, SendLocalListResponse16 } from '../../../ocpp/v16/types.js';
import type { SendLocalListRequest201, StatusResponse201 } from '../../../ocpp/v201/csms-initiated.js';
import { idTokenInfoToModel } from '../charger-initiated/id-token.js';

type SendLocalListStatus201 = 'Accepted' | 'Failed' | 'VersionMismatch';

/** 1.6 UpdateStatus -> 2.0.1 SendLocalListStatusEnumType: NotSupported (and a 1.5 HashError, read as Failed) is Failed. */
const STATUS: Readonly<Record<SendLocalListResponse16['status'], SendLocalListStatus201>> = {
  Accepted: 'Accepted',
  Failed: 'Failed',
  NotSupported: 'Failed',
  VersionMismatch: 'VersionMismatch',
};

/**
 * docs/translation-201.md#sendlocallist: versionNumber -> listVersion, entries idToken -> idTag with their info in 1.6
 * terms. A list with a token 1.x cannot hold (over 20 characters, own or group) is Failed without reaching the
 * charger: a list with entries left out would authorise differently from the CSMS's.
 */
export const sendLocalList: CsmsInitiatedOperation<
  SendLocalListRequest201,
  StatusResponse201<SendLocalListStatus201>,
  SendLocalListRequest16,
  SendLocalListResponse16
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
            additionalInfo: 'an OCPP 1.x local list holds idTags of at most 20 characters',
          },
        },
      };
    }
    return {
      kind: 'soap',
      request: {
        updateType: r.updateType,
        listVersion: r.versionNumber,
        localAuthorizationList: entries.map((e) =>
          defined({
            idTag: e.idToken.idToken,
            idTagInfo: e.idTokenInfo === undefined ? undefined : idTokenInfoToModel(e.idTokenInfo, ctx),
          }),
        ),
      },
    };
  },
  fromSoap: (response) => ({ status: STATUS[response.status] ?? 'Failed' }),
};
