import { checkIdTag } from '../../field-rules.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import type { AuthorizeRequest16, AuthorizeResponse16 } from '../../../ocpp/v16/types.js';

/** docs/translation.md#authorize: 1:1 both ways; an idTag over 1.6's 20 characters is refused. */
export const authorize: ChargerInitiatedOperation<
  AuthorizeRequest16,
  AuthorizeResponse16,
  AuthorizeRequest16,
  AuthorizeResponse16
> = {
  chargerAction: 'Authorize',
  csmsAction: 'Authorize',
  toCall: (req) => ({ kind: 'call', payload: { idTag: checkIdTag(req.idTag, 'idTag') } }),
  toResponse: (res) => res,
};
