import { z } from 'zod';

/**
 * The ChargePoint Web Services API over the gateway's fleet (docs/fleet-api.md#configuration): API keys,
 * station groups, the organisation, and per-charger station metadata. Off while no key is configured.
 */

/** A password hash as `scrypt:<salt hex>:<hash hex>` (docs/fleet-api.md#credentials); never the password. */
const passwordHash = z
  .string()
  .regex(/^scrypt:[0-9a-f]{16,}:[0-9a-f]{64}$/i, 'must be scrypt:<salt hex>:<64 hex digits of the scrypt hash>');

const apiKey = z
  .object({
    /** The license key clients send as the UsernameToken's Username. */
    key: z.string().min(8),
    passwordHash,
    /** Station group ids this key sees; the key sees no other station. */
    groups: z.array(z.coerce.number().int().positive()).min(1),
    /** Send the idTag of sessions as rfidSerialNumber / credentialID (off: drivers' tokens stay private). */
    showIdTags: z.boolean().default(false),
  })
  .strict();

const stationGroup = z
  .object({
    id: z.coerce.number().int().positive(),
    name: z.string().min(1),
    /** chargeBoxIdentities of the group's stations. */
    chargers: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const fleetApiSchema = z
  .object({
    keys: z.array(apiKey).default([]),
    groups: z.array(stationGroup).default([]),
    /** The one organisation of the fleet: orgID is `<cpnId>:<orgId>`, with exactly one colon as clients split it. */
    orgId: z
      .string()
      .regex(/^[A-Za-z0-9]+$/)
      .default('ORG00001'),
    orgName: z.string().min(1).default('Fleet'),
    cpnId: z.coerce.number().int().positive().default(1),
    cpnName: z.string().min(1).default('Gateway fleet'),
    /** Largest API request body in bytes. */
    maxBodyBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024),
    /** Failed logins per key and address within a minute before that pair is throttled. */
    authFailuresPerMinute: z.coerce.number().int().min(1).default(10),
    /** Closed sessions kept per charger, and for how many days (the oldest go first). */
    sessionsPerCharger: z.coerce.number().int().min(1).default(5_000),
    historyDays: z.coerce.number().min(1).default(35),
    /** The API's reservationIds count up from here: a range the CSMS does not use. */
    reservationIdBase: z.coerce.number().int().min(1).max(2_000_000_000).default(1_900_000_000),
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
export const stationMetadata = z
  .object({
    /** The station's number on the old network (the part after `1:`), so tools keep their configuration. */
    stationNumber: z.coerce.number().int().positive().optional(),
    name: z.string().min(1).optional(),
    address: z.string().optional(),
    city: z.string().optional(),
    state: z.string().optional(),
    country: z.string().optional(),
    postalCode: z.string().optional(),
    lat: z.number().min(-90).max(90).optional(),
    long: z.number().min(-180).max(180).optional(),
    /**
     * Load shedding through a vendor configuration key of the charger's maximum current (docs/fleet-api.md#load-shedding):
     * set, the API may send this charger GetConfiguration and ChangeConfiguration; unset, shedLoad answers 176.
     */
    shed: z
      .object({
        key: z.string().min(1),
        voltage: z.number().positive().default(230),
        phases: z.union([z.literal(1), z.literal(3)]).default(1),
      })
      .strict()
      .optional(),
    /** Immediate reservations through the API (ReserveNow/CancelReservation sent to this charger); off by default. */
    reservable: z.boolean().optional(),
  })
  .strict();

export type FleetApiConfig = z.infer<typeof fleetApiSchema>;
export type StationMetadata = z.infer<typeof stationMetadata>;
