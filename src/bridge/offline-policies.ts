import type { GatewayConfig } from '../config/config.js';
import type { SharedAuthorizeResponse, SharedIdTagInfo, SharedStartTransaction } from '../ocpp/dialects.js';
import type { ChargerRegistry } from '../state/registry.js';
import { mintLocalTransaction } from '../translate/local-transactions.js';
import type { MessagePolicy } from '../translate/source-policy.js';
import type { Logger } from '../util/log.js';

/**
 * The opt-in offline policies, off by default (docs/translation.md#offline-policies). Neither invents a decision:
 * both answer only from what the CSMS itself said earlier for the same charger and idTag.
 * - cached-authorization (offlineAuthorize): while the CSMS is unavailable, Authorize gets the CSMS's earlier answer,
 *   if it is younger than authorizeCacheTtlSec and its expiryDate has not passed.
 * - local-transaction (offlineStartTransaction): StartTransaction for an idTag the CSMS accepted before gets a
 *   transaction id minted here; the StartTransaction stays queued, and the ids are mapped once the CSMS answers.
 */
export class OfflinePolicies {
  constructor(
    private readonly config: Pick<
      GatewayConfig,
      'offlineAuthorize' | 'offlineStartTransaction' | 'authorizeCacheTtlSec'
    >,
    private readonly registry: Pick<ChargerRegistry, 'states' | 'authorizations'>,
    private readonly logger: Logger,
  ) {}

  /** Whether the policy an operation names is switched on. */
  enabled(policy: MessagePolicy): boolean {
    if (policy.offline === 'cached-authorization') return this.config.offlineAuthorize;
    if (policy.offline === 'local-transaction') return this.config.offlineStartTransaction;
    return false;
  }

  /** Whether the CSMS's Authorize answers must be remembered (either policy relies on them). */
  get remembersAuthorizations(): boolean {
    return this.config.offlineAuthorize || this.config.offlineStartTransaction;
  }

  /** Remembers the CSMS's answer for an idTag, as the charger received it. */
  async remember(identity: string, idTag: string, idTagInfo: SharedIdTagInfo, now = new Date()): Promise<void> {
    await this.registry.authorizations.put(identity, idTag, { idTagInfo, at: now.toISOString() });
  }

  /**
   * The CSMS's earlier answer for the idTag, when it may still be used; undefined otherwise. A cache that cannot be
   * read answers nothing (docs/architecture.md#error-classes): the charger gets what it would without the policy.
   */
  async authorization(identity: string, idTag: string, now = Date.now()): Promise<SharedAuthorizeResponse | undefined> {
    const cached = await this.registry.authorizations.get(identity, idTag).catch((err: unknown) => {
      this.logger.warn(
        { err: (err as Error).message, chargeBoxIdentity: identity },
        'could not read the earlier Authorize answers: no offline answer',
      );
      return undefined;
    });
    if (!cached || now - Date.parse(cached.at) > this.config.authorizeCacheTtlSec * 1000) return undefined;
    const info = cached.idTagInfo as SharedIdTagInfo;
    if (info.expiryDate && Date.parse(info.expiryDate) <= now) return undefined;
    return { idTagInfo: info };
  }

  /**
   * A local transaction id for a StartTransaction the CSMS cannot answer now, if the CSMS accepted the idTag before;
   * undefined otherwise (the charger is then told to retry).
   */
  async startTransaction(
    identity: string,
    start: SharedStartTransaction,
    startedAt: string,
  ): Promise<{ transactionId: number; idTagInfo: SharedIdTagInfo } | undefined> {
    const cached = await this.authorization(identity, start.idTag);
    if (cached?.idTagInfo.status !== 'Accepted') return undefined;
    let transactionId = 0;
    await this.registry.states.update(identity, (state) => {
      const minted = mintLocalTransaction(state, start.connectorId, start.idTag, startedAt);
      transactionId = minted.localId;
      return minted.state;
    });
    return { transactionId, idTagInfo: cached.idTagInfo };
  }
}
