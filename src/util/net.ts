import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** An IPv4 or IPv6 network in CIDR notation, parsed once. */
export interface Cidr {
  text: string;
  bytes: Uint8Array;
  prefix: number;
}

const PLAIN_IPV4 = /^[\d.]+$/;

/**
 * The address as the socket gives it, without brackets and without the IPv4-mapped IPv6 prefix, in either spelling
 * (::ffff:10.0.0.1 and ::ffff:a00:1, which is how URL parsing writes it, are both 10.0.0.1).
 */
export function plainAddress(address: string): string {
  // Most are plain IPv4 already (a socket's remote address, on an IPv4 listener): one test instead of four steps.
  if (PLAIN_IPV4.test(address)) return address;
  const a = address
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  if (/^(?:0{0,4}:){0,5}:?ffff:\d+\.\d+\.\d+\.\d+$/.test(a)) return a.slice(a.lastIndexOf(':') + 1);
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex && isIP(a) === 6) {
    const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return a;
}

/** The bytes of an IP address (4 for IPv4, 16 for IPv6), or undefined when it is not one. */
export function ipBytes(address: string): Uint8Array | undefined {
  const a = plainAddress(address);
  const version = isIP(a);
  if (version === 4) return Uint8Array.from(a.split('.').map(Number));
  if (version !== 6) return undefined;
  const [head, tail = ''] = a.includes('::') ? a.split('::') : [a, undefined as unknown as string];
  const words = (part: string) => (part ? part.split(':') : []);
  let h = words(head!);
  let t = a.includes('::') ? words(tail) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 not handled above, 64:ff9b::1.2.3.4) is two words.
  const last = (t.length ? t : h).at(-1);
  if (last?.includes('.')) {
    const v4 = Uint8Array.from(last.split('.').map(Number));
    const pair = [((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16)];
    if (t.length) t = [...t.slice(0, -1), ...pair];
    else h = [...h.slice(0, -1), ...pair];
  }
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    const n = parseInt(w, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  return bytes;
}

/** Parses "10.0.0.0/8", "fd00::/8" or a single address (a /32 or /128); throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [address, prefixText] = text.trim().split('/');
  const bytes = ipBytes(address ?? '');
  if (!bytes) throw new Error(`'${text}' is not an IP network (CIDR, e.g. 10.20.0.0/16)`);
  const prefix = prefixText === undefined ? bytes.length * 8 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8)
    throw new Error(`'${text}' has an invalid prefix length`);
  return { text: text.trim(), bytes, prefix };
}

/** Whether an address lies in a network (an IPv4 address never lies in an IPv6 network, and the reverse). */
export function inCidr(address: string, cidr: Cidr): boolean {
  const bytes = ipBytes(address);
  if (!bytes || bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

export const inAnyCidr = (address: string, cidrs: readonly Cidr[]): boolean => cidrs.some((c) => inCidr(address, c));

const LOOPBACK = [parseCidr('127.0.0.0/8'), parseCidr('::1/128')];
const LINK_LOCAL = [parseCidr('169.254.0.0/16'), parseCidr('fe80::/10')];
/** 0.0.0.0/8 and :: are "this host" (RFC 1122 3.2.1.3): a connection to them reaches the machine itself. */
const UNSPECIFIED = [parseCidr('0.0.0.0/8'), parseCidr('::/128')];

/** Loopback, and the unspecified addresses that connect to this machine as loopback does. */
export const isLoopback = (address: string): boolean => inAnyCidr(address, LOOPBACK) || inAnyCidr(address, UNSPECIFIED);
/** 169.254.0.0/16 and fe80::/10: cloud metadata services and other hosts that a charger never is. */
export const isLinkLocal = (address: string): boolean => inAnyCidr(address, LINK_LOCAL);

/**
 * The machine's own interface addresses, read at most once per INTERFACES_TTL_MS: reading them is a system call that
 * costs more than the rest of a message's checks together, and addresses change rarely (DHCP, a new interface).
 */
const INTERFACES_TTL_MS = 30_000;
let interfaces: { at: number; addresses: Set<string>; host: string } | undefined;

function ownAddresses(): { addresses: Set<string>; host: string } {
  const now = Date.now();
  if (!interfaces || now - interfaces.at > INTERFACES_TTL_MS) {
    const addresses = new Set<string>();
    for (const list of Object.values(networkInterfaces()))
      for (const i of list ?? []) addresses.add(plainAddress(i.address));
    interfaces = { at: now, addresses, host: hostname().toLowerCase() };
  }
  return interfaces;
}

/** Names and addresses this machine answers to: loopback, 0.0.0.0/8 and ::, its interfaces, its host name. */
export function isThisMachine(host: string): boolean {
  const h = plainAddress(host);
  const own = ownAddresses();
  if (h === 'localhost' || h.endsWith('.localhost') || h === own.host) return true;
  if (!ipBytes(h)) return false;
  return isLoopback(h) || own.addresses.has(h);
}
