import { checkIdTag, idTagInfoTo15 } from '../common.js';
import type { AuthorizeRequest15, AuthorizeResponse15 } from '../../ocpp/v15/types.js';
import type { AuthorizeRequest16, AuthorizeResponse16 } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** docs/translation.md#authorize: 1:1 both ways. */
export const authorize: ChargerInitiatedOperation<
  AuthorizeRequest15,
  AuthorizeResponse15,
  AuthorizeRequest16,
  AuthorizeResponse16
> = {
  chargerAction: 'Authorize',
  csmsAction: 'Authorize',
  toCall: (req) => ({ kind: 'call', payload: { idTag: checkIdTag(req.idTag, 'idTag') } }),
  toResponse: (res) => ({ idTagInfo: idTagInfoTo15(res.idTagInfo) }),
};
