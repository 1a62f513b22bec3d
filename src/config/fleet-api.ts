import * as s from '../util/schema.js';

/**
 * The ChargePoint Web Services API over the gateway's fleet (docs/fleet-api.md#configuration): API keys,
 * station groups, the organisation, and per-charger station metadata. Off while no key is configured.
 */

/** A password hash as `scrypt:<salt hex>:<hash hex>` (docs/fleet-api.md#credentials); never the password. */
const passwordHash = s
  .string()
  .regex(/^scrypt:[0-9a-f]{16,}:[0-9a-f]{64}$/i, 'must be scrypt:<salt hex>:<64 hex digits of the scrypt hash>');

const apiKey = s
  .object({
    /** The license key clients send as the UsernameToken's Username. */
    key: s.string().min(8),
    passwordHash,
    /** Station group ids this key sees; the key sees no other station. */
    groups: s.array(s.numeric().int().positive()).min(1),
    /** Send the idTag of sessions as rfidSerialNumber / credentialID (off: drivers' tokens stay private). */
    showIdTags: s.boolean().default(false),
  })
  .strict();

const stationGroup = s
  .object({
    id: s.numeric().int().positive(),
    name: s.string().min(1),
    /** chargeBoxIdentities of the group's stations. */
    chargers: s.array(s.string().min(1)).default([]),
  })
  .strict();

export const fleetApiSchema = s
  .object({
    keys: s.array(apiKey).default([]),
    groups: s.array(stationGroup).default([]),
    /** The one organisation of the fleet: orgID is `<cpnId>:<orgId>`, with exactly one colon as clients split it. */
    orgId: s
      .string()
      .regex(/^[A-Za-z0-9]+$/)
      .default('ORG00001'),
    orgName: s.string().min(1).default('Fleet'),
    cpnId: s.numeric().int().positive().default(1),
    cpnName: s.string().min(1).default('Gateway fleet'),
    /** Largest API request body in bytes. */
    maxBodyBytes: s
      .numeric()
      .int()
      .min(1024)
      .default(64 * 1024),
    /** Failed logins per key and address within a minute before that pair is throttled. */
    authFailuresPerMinute: s.numeric().int().min(1).default(10),
    /** Closed sessions kept per charger, and for how many days (the oldest go first). */
    sessionsPerCharger: s.numeric().int().min(1).default(5_000),
    historyDays: s.numeric().min(1).default(35),
    /** The API's reservationIds count up from here: a range the CSMS does not use. */
    reservationIdBase: s.numeric().int().min(1).max(2_000_000_000).default(1_900_000_000),
  })
  .strict()
  .default({
    keys: [],
    groups: [],
    orgId: 'ORG00001',
    orgName: 'Fleet',
    cpnId: 1,
    cpnName: 'Gateway fleet',
    maxBodyBytes: 64 * 1024,
    authFailuresPerMinute: 10,
    sessionsPerCharger: 5_000,
    historyDays: 35,
    reservationIdBase: 1_900_000_000,
  });

/** Station metadata of one charger (chargers.<id>.station): what OCPP cannot tell; absent values are omitted. */
export const stationMetadata = s
  .object({
    /** The station's number on the old network (the part after `1:`), so tools keep their configuration. */
    stationNumber: s.numeric().int().positive().optional(),
    name: s.string().min(1).optional(),
    address: s.string().optional(),
    city: s.string().optional(),
    state: s.string().optional(),
    country: s.string().optional(),
    postalCode: s.string().optional(),
    lat: s.number().min(-90).max(90).optional(),
    long: s.number().min(-180).max(180).optional(),
    /**
     * Load shedding through a vendor configuration key of the charger's maximum current (docs/fleet-api.md#load-shedding):
     * set, the API may send this charger GetConfiguration and ChangeConfiguration; unset, shedLoad answers 176.
     */
    shed: s
      .object({
        key: s.string().min(1),
        voltage: s.number().positive().default(230),
        phases: s.union([s.literal(1), s.literal(3)]).default(1),
      })
      .strict()
      .optional(),
    /** Immediate reservations through the API (ReserveNow/CancelReservation sent to this charger); off by default. */
    reservable: s.boolean().optional(),
  })
  .strict();

export type FleetApiConfig = s.Infer<typeof fleetApiSchema>;
export type StationMetadata = s.Infer<typeof stationMetadata>;
