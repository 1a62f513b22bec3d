import type { CallbackSource } from '../soap/headers.js';
import type { ChargerState } from './charger-state.js';

/** What the SOAP side learns on every message, written by whichever instance received it. */
export interface ChargerContact {
  lastSoapContact: string;
  lastAction: string;
  remoteAddress?: string;
  /** Undefined while no usable callback address is known (quirk Q2: operators must see it). */
  callbackUrl?: string;
  callbackSource?: CallbackSource;
}

/**
 * The charger registry (architecture: [state]). ChargerState is written only by the one consumer that serialises a
 * charger's messages; contacts are written by the SOAP side on every request, so they live apart and never clobber.
 */
export interface ChargerRegistry {
  load(identity: string): Promise<ChargerState | undefined>;
  save(state: ChargerState): Promise<void>;
  recordContact(identity: string, contact: ChargerContact): Promise<void>;
  contact(identity: string): Promise<ChargerContact | undefined>;
  identities(): Promise<string[]>;
  close(): Promise<void>;
}
