import type { ChargerRegistry } from '../state/registry.js';
import { idTagInfoTo15 } from '../translate/common.js';
import type { AuthorizeResponse15 } from '../translate/ocpp15.js';
import type { IdTagInfo16 } from '../translate/ocpp16.js';

/**
 * The opt-in offline Authorize policy (issue 4; off by default): while the CSMS is unavailable, answer Authorize
 * with the CSMS's own earlier answer for the same charger and idTag, if it is younger than the cache TTL and its
 * expiryDate has not passed. Never an invented decision: no earlier answer, no local answer.
 */
export async function offlineAuthorization(
  registry: ChargerRegistry,
  identity: string,
  idTag: string,
  ttlSec: number,
  now = Date.now(),
): Promise<AuthorizeResponse15 | undefined> {
  const cached = await registry.cachedAuthorization(identity, idTag);
  if (!cached || now - Date.parse(cached.at) > ttlSec * 1000) return undefined;
  if (cached.idTagInfo.expiryDate && Date.parse(cached.idTagInfo.expiryDate) <= now) return undefined;
  return { idTagInfo: idTagInfoTo15(cached.idTagInfo as IdTagInfo16) };
}
