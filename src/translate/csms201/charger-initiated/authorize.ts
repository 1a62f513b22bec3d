import type { ChargerState } from '../../charger-state.js';
import type { AuthorizeRequest16, AuthorizeResponse16, IdTagInfo16 } from '../../../ocpp/v16/types.js';
import type { AuthorizeRequest201, AuthorizeResponse201 } from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import { idTokenInfoToModel, idTokenOf } from './id-token.js';

/** How many idTags' answers a charger's state keeps: the newest, enough for the starts that follow their Authorize. */
const REMEMBERED_AUTHORIZATIONS = 50;

/**
 * The CSMS's answer for an idTag, as the charger got it: the idTagInfo of a later StartTransaction when the
 * TransactionEvent answer has none (docs/translation-201.md#starttransaction).
 */
export function rememberAuthorization(state: ChargerState, idTag: string, info: IdTagInfo16): ChargerState {
  const { [idTag]: _previous, ...others } = state.authorizations ?? {};
  const kept = Object.entries(others).slice(-(REMEMBERED_AUTHORIZATIONS - 1));
  return { ...state, authorizations: { ...Object.fromEntries(kept), [idTag]: info } };
}

/** docs/translation-201.md#authorize: idTag -> idToken with the configured type; idTokenInfo -> idTagInfo. */
export const authorize: ChargerInitiatedOperation<
  AuthorizeRequest16,
  AuthorizeResponse16,
  AuthorizeRequest201,
  AuthorizeResponse201
> = {
  chargerAction: 'Authorize',
  csmsAction: 'Authorize',
  toCall: (req, _state, ctx) => ({ kind: 'call', payload: { idToken: idTokenOf(req.idTag, ctx) } }),
  toResponse: (res, _req, ctx) => ({ idTagInfo: idTokenInfoToModel(res.idTokenInfo, ctx) }),
  reduce: (state, { request, response }) => ({
    state: rememberAuthorization(state, request.idTag, response.idTagInfo),
  }),
};
