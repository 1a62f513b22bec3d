import { checkIdTag, idTagInfoTo15 } from '../common.js';
import type { AuthorizeRequest15, AuthorizeResponse15 } from '../ocpp15.js';
import type { AuthorizeRequest16, AuthorizeResponse16 } from '../ocpp16.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** Map B.1: 1:1 both ways. */
export const authorize: ChargerInitiatedOperation<AuthorizeRequest15, AuthorizeResponse15, AuthorizeRequest16, AuthorizeResponse16> = {
  action: 'Authorize',
  storeAndForward: false,
  toCall: (req) => ({ kind: 'call', payload: { idTag: checkIdTag(req.idTag, 'idTag') } }),
  toResponse: (res) => ({ idTagInfo: idTagInfoTo15(res.idTagInfo) }),
};
