import type { GatewayConfig } from '../config/config.js';
import type { CallbackSource } from '../state/registry.js';
import { inAnyCidr, ipBytes, isLinkLocal, isLoopback, isThisMachine, plainAddress } from '../util/net.js';
import { ownCopy } from '../util/string-prototype.js';
import type { SoapHeaders } from './headers.js';
import { WSA_ANONYMOUS } from './namespaces.js';

/** Verdicts kept at most (one or two per charger); beyond, the cache starts again. */
const MAX_CACHED_VERDICTS = 50_000;

/** Which rule refused an address: a bounded vocabulary, fit for a metric label. */
export type RefusalRule =
  | 'user-info'
  | 'link-local'
  | 'own-port'
  | 'loopback'
  | 'host-name'
  | 'not-sender'
  | 'not-in-networks';

/** What a charger message says about where the charger can be called, judged by the callback policy. */
export type CallbackVerdict =
  | { kind: 'accepted'; url: string; source: CallbackSource }
  /** The address offered was refused: the charger keeps its previous callback URL. `url` has no user info. */
  | { kind: 'refused'; url: string; source: CallbackSource; reason: string; rule: RefusalRule }
  | { kind: 'none' };

/**
 * Which callback URLs a charger may set by what it sends (docs/architecture.md#callback-addresses): the address the
 * gateway will POST CSMS commands to, idTags included, so a charger must not be able to point it elsewhere, and nobody
 * must be able to point it at the gateway itself or at what only the gateway's host can reach.
 *
 * A configured callbackUrl always wins. A learned one (wsa:From, else wsa:ReplyTo) is never link-local, never the
 * gateway's own SOAP or admin port, loopback only when the message came from loopback, and without user:password@
 * unless the charger's configuration allows it. Then the policy: `same-source` (the default) accepts only the
 * address the message came from, or one in CALLBACK_NETWORKS; `networks` only addresses in CALLBACK_NETWORKS; `any`
 * accepts every other address (unsafe: anyone who can send as the charger moves its commands).
 */
export class CallbackPolicy {
  /** The ports the gateway listens on (the configured ones, and the bound ones once known: port 0 picks one). */
  private readonly ownPorts: Set<number>;
  private readonly verdicts = new Map<string, CallbackVerdict>();

  constructor(
    private readonly config: Pick<
      GatewayConfig,
      'callbackPolicy' | 'callbackNetworks' | 'chargers' | 'port' | 'adminPort' | 'publicUrl'
    >,
  ) {
    this.ownPorts = new Set([config.port, config.adminPort]);
  }

  /** The ports the servers were bound to (the own-port rule changes: what was judged before is judged again). */
  listening(...ports: number[]): void {
    for (const port of ports) this.ownPorts.add(port);
    this.verdicts.clear();
  }

  /**
   * The verdict on what a message offers, cached per (charger, offered addresses, sender): a charger offers the same
   * URL from the same address with every message, and judging it costs more than the rest of the message's checks.
   * The policy is fixed for the life of the process, so an entry stays right until the charger offers another URL.
   */
  judge(identity: string, headers: SoapHeaders, remoteAddress: string | undefined): CallbackVerdict {
    const key = `${identity}\n${headers.fromAddress ?? ''}\n${headers.replyToAddress ?? ''}\n${remoteAddress ?? ''}`;
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      if (this.verdicts.size >= MAX_CACHED_VERDICTS) this.verdicts.clear();
      verdict = this.judgeAfresh(identity, headers, remoteAddress);
      // Kept for the charger's life: copies, not views into the envelope the addresses were read from.
      this.verdicts.set(ownCopy(key), verdict);
    }
    return verdict;
  }

  private judgeAfresh(identity: string, headers: SoapHeaders, remoteAddress: string | undefined): CallbackVerdict {
    const charger = this.config.chargers[identity];
    if (charger?.callbackUrl) return { kind: 'accepted', url: charger.callbackUrl, source: 'config' };
    let refused: CallbackVerdict | undefined;
    for (const [source, address] of [
      ['From', headers.fromAddress],
      ['ReplyTo', headers.replyToAddress],
    ] as const) {
      const url = parsedCallback(address);
      if (!url || !address) continue;
      const refusal = this.refusal(identity, url, remoteAddress);
      if (!refusal) return { kind: 'accepted', url: ownCopy(address), source };
      refused ??= { kind: 'refused', url: withoutUserInfo(url), source, reason: refusal[1], rule: refusal[0] };
    }
    return refused ?? { kind: 'none' };
  }

  /**
   * The address a callback URL's host name resolved to, checked at the moment of connecting: a learned name must not
   * lead to what the rules above refuse as a literal (link-local, this machine when the name is not its own, the
   * gateway's ports), whatever it resolved to when it was learned (DNS rebinding). A configured URL is the operator's.
   */
  connectRefusal(identity: string, url: string, address: string): string | undefined {
    if (this.config.chargers[identity]?.callbackUrl) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'not a URL';
    }
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    if (isLinkLocal(address)) return 'a link-local address';
    if (!isThisMachine(address)) return undefined;
    if (this.ownPorts.has(port)) return "the gateway's own port";
    return isThisMachine(parsed.hostname) ? undefined : 'an address of this machine';
  }

  /** The rule that refuses a learned URL and why, or undefined when it is accepted. */
  private refusal(identity: string, url: URL, remoteAddress: string | undefined): [RefusalRule, string] | undefined {
    const host = plainAddress(url.hostname);
    const sender = remoteAddress === undefined ? undefined : plainAddress(remoteAddress);
    if ((url.username || url.password) && !this.config.chargers[identity]?.callbackUserInfo)
      return ['user-info', 'user info (user:password@) in the URL'];
    if (isLinkLocal(host)) return ['link-local', 'a link-local address'];
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (isThisMachine(host) && this.ownPorts.has(port)) return ['own-port', "the gateway's own port"];
    const loopback =
      host === 'localhost' || host.endsWith('.localhost') || (ipBytes(host) !== undefined && isLoopback(host));
    if (loopback && !(sender && isLoopback(sender)))
      return ['loopback', 'a loopback address offered from another host'];
    const policy = this.config.chargers[identity]?.callbackPolicy ?? this.config.callbackPolicy;
    if (policy === 'any') return undefined;
    if (!ipBytes(host))
      return ['host-name', `a host name (policy ${policy} compares addresses; configure callbackUrl for this charger)`];
    if (inAnyCidr(host, this.config.callbackNetworks)) return undefined;
    if (policy === 'same-source' && sender === host) return undefined;
    return policy === 'same-source'
      ? ['not-sender', `not the address the message came from (${sender ?? 'unknown'}) nor in CALLBACK_NETWORKS`]
      : ['not-in-networks', 'not in CALLBACK_NETWORKS'];
  }
}

/** An http(s) URL with a host, not the WS-A anonymous or none URI (docs/charger-quirks.md#q2-missing-or-useless-wsafrom). */
function parsedCallback(address: string | undefined): URL | undefined {
  if (!address || WSA_ANONYMOUS.has(address)) return undefined;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url : undefined;
}

/** A URL as it may be shown and logged: credentials never. */
export function withoutUserInfo(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url);
  }
  if (!u.username && !u.password) return u.href;
  u.username = '';
  u.password = '';
  return u.href.replace('//', '//***@');
}
