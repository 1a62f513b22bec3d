import type { TranslationContext } from '../../context.js';
import { checkIdTag, defined, fromCsmsTime } from '../../field-rules.js';
import type { AuthorizationStatus16, IdTagInfo16 } from '../../../ocpp/v16/types.js';
import type { AuthorizationStatus201, IdToken201, IdTokenInfo201 } from '../../../ocpp/v201/types.js';

/** A 1.5 idTag carries no type: the configured one, ISO14443 (RFID card UIDs) unless set (docs/translation-201.md#authorize). */
export const DEFAULT_ID_TOKEN_TYPE = 'ISO14443';

/** idTag -> IdTokenType; an idTag over 20 characters is refused as in 1.6 (docs/translation.md#common-rules). */
export function idTokenOf(idTag: string, ctx: Pick<TranslationContext, 'options'>): IdToken201 {
  return { idToken: checkIdTag(idTag, 'idTag'), type: ctx.options.idTokenType ?? DEFAULT_ID_TOKEN_TYPE };
}

/**
 * 2.0.1 AuthorizationStatusEnumType -> the five 1.5 values (docs/translation-201.md#authorize): the refusals 1.5 lacks
 * are Blocked (the card is known but may not charge here or now), Unknown is Invalid.
 */
const STATUS_TO_MODEL: Readonly<Record<AuthorizationStatus201, AuthorizationStatus16>> = {
  Accepted: 'Accepted',
  Blocked: 'Blocked',
  ConcurrentTx: 'ConcurrentTx',
  Expired: 'Expired',
  Invalid: 'Invalid',
  NoCredit: 'Blocked',
  NotAllowedTypeEVSE: 'Blocked',
  NotAtThisLocation: 'Blocked',
  NotAtThisTime: 'Blocked',
  Unknown: 'Invalid',
};

export function authorizationStatusToModel(status: AuthorizationStatus201): AuthorizationStatus16 {
  return STATUS_TO_MODEL[status] ?? 'Invalid';
}

/**
 * IdTokenInfoType -> 1.5 IdTagInfo: cacheExpiryDateTime is the expiryDate, the group token the parentIdTag when it
 * fits 1.5's 20 characters; personal messages, languages, EVSE restrictions and priority have no 1.5 field.
 */
export function idTokenInfoToModel(info: IdTokenInfo201, ctx: { notes: string[] }): IdTagInfo16 {
  const group = info.groupIdToken?.idToken;
  if (group !== undefined && group.length > 20)
    ctx.notes.push('groupIdToken longer than 20 characters: no parentIdTag for the charger');
  return defined({
    status: authorizationStatusToModel(info.status),
    expiryDate: info.cacheExpiryDateTime === undefined ? undefined : fromCsmsTime(info.cacheExpiryDateTime),
    parentIdTag: group !== undefined && group.length <= 20 ? group : undefined,
  });
}

/** The 1.5 connector N is the 2.0.1 EVSE N with its one connector 1 (docs/translation-201.md#evses-and-connectors). */
export const evseOf = (connectorId: number) => ({ id: connectorId, connectorId: 1 });
