import type { Redis } from 'ioredis';
import { ROUTES, type RouteName } from '../config/migration.js';
import type { Divergence } from '../translate/divergence.js';
import { emptyRouting, type RoutingState } from '../translate/routing.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { Logger } from '../util/log.js';
import { mirrorWithNotices } from '../util/redis-notices.js';
import { DIVERGENCES_PER_CHARGER, type MigrationStore, type ShadowCopy } from './migration-store.js';

/** KEYS: copies hash, order list, chargers set. ARGV: copy id, copy JSON, identity. */
const ADD_COPY = `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[3])
end
return 1`;

/** How often every instance reads all routes again, besides the change notices. */
const RELOAD_ROUTES_MS = 30_000;
/** Divergences kept across the fleet, newest first. */
const DIVERGENCES_KEPT = 10_000;

/**
 * Migration routing's state in Redis, shared by every instance (docs/architecture.md#migration-routing):
 *   <prefix>:routes                  hash, identity -> route set at run time; changes announced on <prefix>:routes-changed
 *   <prefix>:routing:<identity>      string, RoutingState as JSON (written by the charger's partition owner only)
 *   <prefix>:shadow-order:<identity> list of copy ids, oldest first
 *   <prefix>:shadow-copy:<identity>  hash, copy id -> ShadowCopy as JSON
 *   <prefix>:shadow-chargers         set of identities with copies
 *   <prefix>:divergences             list, the fleet's divergences as JSON, newest first
 *   <prefix>:divergences:<identity>  list, one charger's, newest first
 * Every instance keeps all routes in memory (read per message); the routing of consumed chargers is cached, as the
 * registry caches their state.
 */
export class RedisMigrationStore implements MigrationStore {
  private readonly routesSet = new Map<string, RouteName>();
  private readonly routings = new Map<string, RoutingState>();
  private readonly locks = new KeyedSerialiser();
  private mirror?: { close(): void };

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  static async open(redis: Redis, prefix: string, logger: Logger): Promise<RedisMigrationStore> {
    const store = new RedisMigrationStore(redis, prefix, logger);
    const reload = () => store.reloadRoutes();
    store.mirror = await mirrorWithNotices(
      redis,
      `${prefix}:routes-changed`,
      { notice: () => void reload(), reload },
      RELOAD_ROUTES_MS,
    );
    return store;
  }

  private key(kind: string, identity?: string): string {
    return identity === undefined ? `${this.prefix}:${kind}` : `${this.prefix}:${kind}:${identity}`;
  }

  private async reloadRoutes(): Promise<void> {
    try {
      const all = await this.redis.hgetall(this.key('routes'));
      this.routesSet.clear();
      for (const [identity, route] of Object.entries(all))
        if ((ROUTES as readonly string[]).includes(route)) this.routesSet.set(identity, route as RouteName);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'could not read the routes from Redis; the last ones read stay in use',
      );
    }
  }

  route(identity: string): RouteName | undefined {
    return this.routesSet.get(identity);
  }

  async setRoute(identity: string, route: RouteName | undefined): Promise<void> {
    if (route === undefined) await this.redis.hdel(this.key('routes'), identity);
    else await this.redis.hset(this.key('routes'), identity, route);
    if (route === undefined) this.routesSet.delete(identity);
    else this.routesSet.set(identity, route);
    await this.redis.publish(this.key('routes-changed'), identity);
  }

  routes(): ReadonlyMap<string, RouteName> {
    return this.routesSet;
  }

  async routing(identity: string): Promise<RoutingState> {
    const cached = this.routings.get(identity);
    if (cached) return cached;
    const json = await this.redis.get(this.key('routing', identity));
    const routing = json ? (JSON.parse(json) as RoutingState) : emptyRouting();
    this.routings.set(identity, routing);
    return routing;
  }

  updateRouting(identity: string, change: (routing: RoutingState) => RoutingState): Promise<RoutingState> {
    return new Promise((resolve, reject) => {
      void this.locks.run(identity, async () => {
        try {
          const before = await this.routing(identity);
          const next = change(before);
          if (next !== before) {
            await this.redis.set(this.key('routing', identity), JSON.stringify(next));
            this.routings.set(identity, next);
          }
          resolve(next);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  /** One round trip: written once per id, then queued in the charger's order and the charger marked. */
  async addCopy(copy: ShadowCopy): Promise<void> {
    await this.redis.eval(
      ADD_COPY,
      3,
      this.key('shadow-copy', copy.identity),
      this.key('shadow-order', copy.identity),
      this.key('shadow-chargers'),
      copy.id,
      JSON.stringify(copy),
      copy.identity,
    );
  }

  /** Every write above was acknowledged by Redis (run Redis with AOF: README.md, "Delivery and durability"). */
  async durable(): Promise<void> {}

  async removeCopy(identity: string, id: string): Promise<void> {
    const [, , [, left]] = (await this.redis
      .multi()
      .lrem(this.key('shadow-order', identity), 1, id)
      .hdel(this.key('shadow-copy', identity), id)
      .llen(this.key('shadow-order', identity))
      .exec()) as [unknown, unknown, [unknown, number]];
    if (left === 0) await this.redis.srem(this.key('shadow-chargers'), identity);
  }

  async copies(identity: string, limit: number): Promise<ShadowCopy[]> {
    const ids = await this.redis.lrange(this.key('shadow-order', identity), 0, limit - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(this.key('shadow-copy', identity), ...ids);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as ShadowCopy);
  }

  async chargersWithCopies(): Promise<string[]> {
    return this.redis.smembers(this.key('shadow-chargers'));
  }

  async addDivergence(divergence: Divergence): Promise<void> {
    const json = JSON.stringify(divergence);
    await this.redis
      .multi()
      .lpush(this.key('divergences'), json)
      .ltrim(this.key('divergences'), 0, DIVERGENCES_KEPT - 1)
      .lpush(this.key('divergences', divergence.identity), json)
      .ltrim(this.key('divergences', divergence.identity), 0, DIVERGENCES_PER_CHARGER - 1)
      .exec();
  }

  async divergences(query: { identity?: string; since?: number; limit: number }): Promise<Divergence[]> {
    const key = query.identity === undefined ? this.key('divergences') : this.key('divergences', query.identity);
    const since = query.since ?? 0;
    const out: Divergence[] = [];
    // Newest first: stop at the first one older than `since`.
    for (const json of await this.redis.lrange(key, 0, -1)) {
      const d = JSON.parse(json) as Divergence;
      if (Date.parse(d.at) < since) break;
      out.push(d);
      if (out.length >= query.limit) break;
    }
    return out;
  }

  forgetCached(): void {
    this.routings.clear();
  }

  async close(): Promise<void> {
    this.mirror?.close();
  }
}
