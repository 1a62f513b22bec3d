import type { IncomingMessage } from 'node:http';
import type { Knock } from '../state/pending-chargers.js';
import { plainAddress } from '../util/net.js';
import type { ApprovedIdentities } from './admission.js';
import type { XmlElement } from './xml.js';

/** One refused message of an unlisted identity, as the endpoint saw it. */
export type KnockSeen = Omit<Knock, 'first' | 'last' | 'count'> & { at: number };

/** Pending chargers (docs/operations.md#onboarding-chargers): who was approved, and the refused unlisted identities. */
export interface PendingChargers extends ApprovedIdentities {
  knocked(knock: KnockSeen): void;
}

/** Longest vendor or model text kept (the 1.5 schema allows 20 characters; chargers send more). */
const MAX_FIELD = 64;

/**
 * What a refused message tells about its identity: where it came from, its dialect, and from a BootNotification the
 * vendor and model its body names, read from the parsed body without decoding the rest.
 */
export function knockOf(
  identity: string,
  at: number,
  req: IncomingMessage,
  dialect: string,
  operation: string,
  body: XmlElement,
): KnockSeen {
  const knock: KnockSeen = { identity, at, address: plainAddress(req.socket.remoteAddress ?? ''), dialect };
  if (operation !== 'BootNotification') return knock;
  const text = (name: string) =>
    body.children
      .find((c) => c.name === name)
      ?.text.trim()
      .slice(0, MAX_FIELD);
  return { ...knock, vendor: text('chargePointVendor'), model: text('chargePointModel') };
}
