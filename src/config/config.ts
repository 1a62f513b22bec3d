import { type Certificates, loadCertificates } from './certificates.js';
import { ConfigError } from './errors.js';
import { ENVIRONMENT_KEYS } from './environment-keys.js';
import { fleetApiSchema, stationMetadata } from './fleet-api.js';
import { chargerMigrationKeys, migrationKeys, migrationProblem } from './migration.js';
import { pendingKeys } from './pending.js';
import { redisKeys, redisProblem } from './redis.js';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { csmsProtocolModule } from '../ocpp/csms-protocols.js';
import { CHARGER_DIALECTS, CSMS_PROTOCOLS, type CsmsProtocol } from '../ocpp/protocols.js';
import { ID_TOKEN_TYPES } from '../ocpp/v201/types.js';
import { parseCidr, type Cidr } from '../util/net.js';
import * as s from '../util/schema.js';

/**
 * Gateway configuration: the outside contract of README.md, "Configuration", read from the
 * environment and, optionally, from config/gateway.yaml (path via CONFIG). Environment variables win over the file
 * so that a container can override one key without a new file.
 */

/** A list of IP networks: a YAML list, or a comma- or space-separated string (environment). */
const cidrList = s
  .stringList('must be a list of networks (CIDR), or a comma- or space-separated string of them')
  .transform((list, ctx) => {
    const out: Cidr[] = [];
    for (const text of list) {
      try {
        out.push(parseCidr(text));
      } catch (err) {
        return ctx.fail((err as Error).message);
      }
    }
    return out;
  });

/** true/false from a YAML boolean or an environment string. */
const flag = s.union([s.boolean(), s.oneOf(['true', 'false']).transform((v) => v === 'true')], 'must be true or false');

/** One charger's settings: the `chargers.<identity>` entries of the file, and the records of the settings API. */
export const chargerOverride = s
  .object({
    /**
     * Where the gateway calls this charger (overrides wsa:From / ReplyTo,
     * docs/charger-quirks.md#q2-missing-or-useless-wsafrom).
     */
    callbackUrl: s.url().optional(),
    /**
     * Identity used towards the CSMS (URL path and Basic-auth user), when it must differ
     * (docs/charger-quirks.md#q18-identities-with-colons-and-other-characters).
     */
    upstreamIdentity: s.string().min(1).optional(),
    /** OCPP-J Basic-auth password (security profile 1/2). Never logged. */
    basicAuthPassword: s.string().min(1).optional(),
    /**
     * OCPP-J protocol towards the CSMS for this charger, when it differs from csmsProtocol (moving a fleet charger by
     * charger).
     */
    csmsProtocol: s.oneOf(CSMS_PROTOCOLS).optional(),
    /** The SOAP dialect the charger speaks, pinned: messages in another are refused, commands use it before it is heard. */
    dialect: s.oneOf(CHARGER_DIALECTS).optional(),
    /** IdTokenEnumType of this charger's idTags towards an OCPP 2.0.1 CSMS (docs/translation-201.md#authorize). */
    idTokenType: s.oneOf(ID_TOKEN_TYPES).optional(),
    /** Zone assumed for this charger's zone-less xs:dateTime values, e.g. "+01:00" (docs/translation.md#timestamps). */
    timezone: s
      .string()
      .regex(/^(Z|[+-]\d{2}:\d{2})$/, 'must be Z or an offset such as +01:00')
      .optional(),
    /** false refuses this charger (Sender/SecurityError) whatever the admission mode. */
    allow: s.boolean().default(true),
    /**
     * HTTP Basic-auth password the charger must send to the SOAP endpoint (user name = chargeBoxIdentity). Never
     * logged.
     */
    soapPassword: s.string().min(1).optional(),
    /** PEM client certificate and key for this charger's wss:// connection (OCPP-J security profile 3). */
    clientCertFile: s.string().optional(),
    clientKeyFile: s.string().optional(),
    /** Which learned callback URLs this charger may set (docs/architecture.md#callback-addresses); default: callbackPolicy. */
    callbackPolicy: s.oneOf(['same-source', 'networks', 'any']).optional(),
    /** A learned callback URL with user:password@ is accepted for this charger (it is never shown or logged). */
    callbackUserInfo: s.boolean().default(false),
    /** Networks this charger's messages may come from (CIDR list); others are refused with Sender/SecurityError. */
    sources: cidrList.optional(),
    /** Trust on first use: the address of the charger's first message is the only one accepted afterwards. */
    pinSource: s.boolean().default(false),
    ...chargerMigrationKeys,
    /** Station metadata for the fleet API (docs/fleet-api.md#configuration). */
    station: stationMetadata.optional(),
  })
  .strict();

const configSchema = s
  .object({
    port: s.numeric().int().min(0).max(65535).default(8080),
    host: s.string().default('0.0.0.0'),
    csmsUrl: s
      .string({
        required: 'CSMS_URL is required: the OCPP-J endpoint of your central system, e.g. ws://csms.example/ocpp',
      })
      .regex(/^wss?:\/\/[^/]/, 'CSMS_URL must be a ws:// or wss:// URL'),
    csmsProtocol: s.oneOf(CSMS_PROTOCOLS).default(CSMS_PROTOCOLS[0]),
    /** IdTokenEnumType of idTags towards a 2.0.1 CSMS; 1.5 idTags have none (docs/translation-201.md#authorize). */
    idTokenType: s.oneOf(ID_TOKEN_TYPES).default('ISO14443'),
    redisUrl: s
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL')
      .optional(),
    redisPrefix: s.string().min(1).default('ocppgw'),
    /** Directory of the embedded durable store (without REDIS_URL), relative to the working directory; created if missing. */
    dataDir: s.string().default('./data'),
    /** sqlite: the durable embedded store in dataDir; memory: nothing survives a restart (tests, throw-away runs). */
    store: s.oneOf(['sqlite', 'memory']).default('sqlite'),
    /**
     * How long the CSMS may keep refusing (CALLERROR, invalid answer) a stored message before it is moved to the dead
     * letters (docs/architecture.md#delivery-semantics); fractions allowed.
     */
    deadLetterAfterHours: s.numeric().positive().default(24),
    /** At start, and on taking a partition over, the CSMS WebSockets of chargers heard within this window are reopened. */
    reopenWindowMinutes: s.numeric().int().min(0).default(30),
    publicUrl: s.url().optional(),
    adminPort: s.numeric().int().min(0).max(65535).default(8081),
    adminHost: s.string().default('127.0.0.1'),
    adminToken: s.string().min(1).optional(),
    logLevel: s.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Bound on the wait for the CSMS answer; below typical charger HTTP timeouts (quirks: "Behaviour of peers"). */
    csmsTimeoutMs: s.numeric().int().min(100).max(120_000).default(20_000),
    /**
     * Bound on a call to a charger; below the CSMS's own CALL timeout, which is commonly 30 s or more
     * (docs/translation.md#csms-to-charger).
     */
    chargerTimeoutMs: s.numeric().int().min(100).max(120_000).default(15_000),
    /** Slow-loris bounds on the SOAP port: all headers within, and the whole request within, these times. */
    httpHeadersTimeoutMs: s.numeric().int().min(100).default(10_000),
    httpRequestTimeoutMs: s.numeric().int().min(100).default(30_000),
    /** Outbound schema checks: `all`, or `sample` (docs/architecture.md#outbound-schema-checks); unset: by NODE_ENV. */
    schemaCheck: s.oneOf(['all', 'sample']).optional(),
    /** Seals the AuthorizationKeys the CSMS sets at rest (docs/architecture.md#the-embedded-store). */
    storeSecretKey: s.string().min(32, 'STORE_SECRET_KEY must be at least 32 characters').optional(),
    /** Connections one source address may hold open on the SOAP port at once (a NAT fronts many chargers). */
    maxConnectionsPerSource: s.numeric().int().min(1).default(1_000),
    /** Largest SOAP request body accepted, after decompression too. */
    maxBodyBytes: s
      .numeric()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /**
     * heartbeatInterval sent with a Rejected answer when the CSMS said Pending/Rejected with interval 0
     * (docs/translation.md#bootnotification).
     */
    bootRetryIntervalSec: s.numeric().int().min(1).default(60),
    /**
     * 1.6 spelling for the 1.5 unit Celsius (docs/translation.md#metervalues: "Celcius" validates under every OCA 1.6
     * schema).
     */
    celsiusUnit: s.oneOf(['Celcius', 'Celsius']).default('Celcius'),
    /** Zone assumed for zone-less xs:dateTime values from chargers (docs/translation.md#common-rules). */
    defaultTimezone: s
      .string()
      .regex(/^(Z|[+-]\d{2}:\d{2})$/, 'must be Z or an offset such as +01:00')
      .default('Z'),
    /** WebSocket ping interval towards the CSMS, seconds; 0 disables (OCPP-J 1.6 section 5.3). */
    wsPingIntervalSec: s.numeric().int().min(0).default(30),
    reconnectMinMs: s.numeric().int().min(10).default(1_000),
    reconnectMaxMs: s.numeric().int().min(10).default(60_000),
    /** PEM file with the CA bundle that signs the CSMS certificate (wss://). */
    csmsCaFile: s.string().optional(),
    /** BullMQ partitions: chargers are spread over this many queues by a hash of the identity. */
    partitions: s.numeric().int().min(1).max(1024).default(4),
    /**
     * Per-charger bound on queued messages. Above it: MeterValues are refused with 503 (the charger keeps them and
     * resends), Heartbeats are answered without queueing, Boot/Authorize/DataTransfer are refused with 503;
     * Start/StopTransaction and status notifications are always queued.
     */
    maxQueuedPerCharger: s.numeric().int().min(10).default(5_000),
    /** Opt-in offline policy: answer Authorize from earlier CSMS answers when the CSMS is unavailable. */
    offlineAuthorize: flag.default(false),
    /**
     * Opt-in offline policy: while the CSMS is unavailable, answer StartTransaction with a locally minted transaction
     * id (only for an idTag the CSMS accepted before), deliver it later and map the ids.
     */
    offlineStartTransaction: flag.default(false),
    /** How long a cached CSMS Authorize answer may be used by the offline policies. */
    authorizeCacheTtlSec: s.numeric().int().min(1).default(86_400),
    /**
     * The message trace and the per-message metrics (counters and the exchange-duration histogram) can be switched
     * off: each costs a little on every message (bench/README.md, "Trace and metrics on and off"). Off, the trace
     * view is empty and /metrics still serves the fleet, queue and process metrics.
     */
    trace: flag.default(true),
    messageMetrics: flag.default(true),
    /** Mask idTags in the message trace (last four characters kept). Secrets are always masked. */
    traceMaskIdTags: flag.default(true),
    /** Message trace size: records per charger, and how many of the most recently active chargers are traced. */
    tracePerCharger: s.numeric().int().min(1).max(1000).default(30),
    traceChargers: s.numeric().int().min(1).default(500),
    /**
     * Message text the trace keeps (SOAP envelopes, OCPP-J payloads), in MiB over all chargers, held outside the JS
     * heap; when it is full the oldest texts give way (their records stay, marked). Resident only as it fills.
     */
    traceBufferMiB: s.numeric().int().min(1).max(4096).default(32),
    /**
     * With Redis: a message that nothing of its charger is queued ahead of is recorded in Redis and delivered by the
     * instance that consumes its partition at once, without a BullMQ job (see BullmqQueue). false: every message is a
     * BullMQ job.
     */
    directDelivery: flag.default(true),
    /** A partition lease not renewed for this long is taken over by another instance (bound on failover). */
    leaseTtlMs: s.numeric().int().min(1_000).default(10_000),
    /**
     * allowlist: only chargers listed under `chargers` (and not `allow: false`) are served; approve: as allowlist, and
     * unlisted identities are kept as pending for an operator to approve (docs/operations.md#onboarding-chargers);
     * auto-accept: any chargeBoxIdentity is served. The default is the safe one; auto-accept must be chosen explicitly.
     */
    admission: s.oneOf(['allowlist', 'approve', 'auto-accept']).default('allowlist'),
    ...pendingKeys,
    /** Every charger must authenticate with HTTP Basic (its `soapPassword`). */
    requireSoapAuth: flag.default(false),
    /** PEM certificate and key: serve the SOAP endpoint over HTTPS. */
    tlsCertFile: s.string().optional(),
    tlsKeyFile: s.string().optional(),
    /** PEM CA: require and verify charger client certificates on the SOAP endpoint. */
    tlsClientCaFile: s.string().optional(),
    /** same-source: a learned callback host must be the sender's address (or in callbackNetworks); see docs/architecture.md#callback-addresses. */
    callbackPolicy: s.oneOf(['same-source', 'networks', 'any']).default('same-source'),
    callbackNetworks: cidrList.default([]),
    /** Networks every charger's messages must come from (CIDR list); unset: any. */
    chargerNetworks: cidrList.optional(),
    /** Known identities at most; a new one beyond it is refused with Sender/SecurityError. */
    maxChargers: s.numeric().int().min(1).default(20_000),
    /** chargeBoxIdentity length at most; the OCPP 2.0.1 identity limit (identifierString of 48). */
    maxIdentityLength: s.numeric().int().min(1).max(1000).default(48),
    /**
     * A charger's CSMS WebSocket is closed after this long without a message from the charger, so the CSMS sees a
     * silent charger as disconnected; 0 = three of its heartbeat intervals (900 s while none is known).
     */
    upstreamIdleSec: s.numeric().int().min(0).default(0),
    /** File descriptors kept free: new chargers get 503 before the process runs out, /health keeps working. */
    fdReserve: s.numeric().int().min(0).default(100),
    /** Start although the admin port listens beyond loopback without ADMIN_TOKEN (a warning is logged). */
    adminInsecure: flag.default(false),
    /** Host header names the admin port answers besides loopback names (DNS rebinding guard). */
    adminAllowedHosts: s
      .stringList('must be a list of host names, or a comma- or space-separated string of them')
      .default([]),
    /** Bull Board may delete and retry jobs (it is read-only otherwise). */
    queueBoardWrite: flag.default(false),
    /** PEM certificate and key: serve the admin port over HTTPS. */
    adminTlsCertFile: s.string().optional(),
    adminTlsKeyFile: s.string().optional(),
    ...migrationKeys,
    ...redisKeys,
    /** Where calls of the legacy system may come from (CIDR list); unset: the addresses its URLs' hosts resolve to. */
    legacyNetworks: cidrList.optional(),
    /** The ChargePoint Web Services API (docs/fleet-api.md); off without keys. */
    fleetApi: fleetApiSchema,
    chargers: s.record(chargerOverride).default({}),
  })
  .strict();

type ParsedConfig = s.Infer<typeof configSchema>;

export type GatewayConfig = ParsedConfig &
  Certificates & {
    publicUrl: string;
    /**
     * The `chargers` entries as written (before defaults): the seed of the effective per-charger settings, whose
     * keys win over records set at run time (docs/configuration.md#charger-settings).
     */
    chargerSeed: Record<string, Record<string, unknown>>;
  };
export type ChargerOverride = s.Infer<typeof chargerOverride>;

/** Env variable name -> config key; the type checks that every key exists in the schema. */
const ENV_KEYS: Record<string, keyof s.Input<typeof configSchema>> = ENVIRONMENT_KEYS;

export { ConfigError } from './errors.js';

/** A CSMS protocol whose translation is not built yet stops the start, naming where it was configured. */
function refuseUnbuiltProtocols(config: ParsedConfig): void {
  const built = CSMS_PROTOCOLS.filter((p) => csmsProtocolModule(p));
  const refuse = (key: string, protocol: CsmsProtocol) => {
    if (!csmsProtocolModule(protocol))
      throw new ConfigError(`${key}: ${protocol} is not supported yet; use ${built.join(' or ')}`);
  };
  refuse('csmsProtocol (CSMS_PROTOCOL)', config.csmsProtocol);
  for (const [identity, charger] of Object.entries(config.chargers))
    if (charger.csmsProtocol) refuse(`chargers.${identity}.csmsProtocol`, charger.csmsProtocol);
}

/** The CSMS protocol a charger's messages are bridged to: its own setting, else the global one. */
export function csmsProtocolOf(
  config: Pick<GatewayConfig, 'csmsProtocol' | 'chargers'>,
  identity: string,
): CsmsProtocol {
  return config.chargers[identity]?.csmsProtocol ?? config.csmsProtocol;
}

/** The YAML parser, loaded only when there is a file to read (bench/README.md, "Idle memory"). */
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

/** The YAML file's keys as written (no file: none); throws ConfigError when it is not a mapping. */
export function readConfigFile(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const filePath = env.CONFIG ?? 'config/gateway.yaml';
  if (existsSync(filePath)) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(filePath, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${filePath}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (parsed != null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`${filePath}: the top level must be a mapping of configuration keys`);
    }
    return (parsed as Record<string, unknown> | null) ?? {};
  }
  if (env.CONFIG) throw new ConfigError(`CONFIG points at ${filePath}, which does not exist`);
  return {};
}

/** The YAML file's keys (if any) and the environment's, environment last. */
function readSources(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const fromFile = readConfigFile(env);
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  // DATA_DIR set but empty: no durable store, as STORE=memory.
  if (env.DATA_DIR === '') fromEnv.store = 'memory';
  return { ...fromFile, ...fromEnv };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The admin port's safe defaults (README.md, "Security"): no start with the port open beyond loopback and no token
 * (unless ADMIN_INSECURE says so), and no token a guess could find.
 */
function checkAdmin(config: ParsedConfig): void {
  if (config.adminToken !== undefined && config.adminToken.length < 16) {
    throw new ConfigError(
      'adminToken (ADMIN_TOKEN) must be at least 16 characters: use a random one, e.g. `openssl rand -hex 24`',
    );
  }
  if (!LOOPBACK_HOSTS.has(config.adminHost) && !config.adminToken && !config.adminInsecure) {
    throw new ConfigError(
      `adminHost (ADMIN_HOST) ${config.adminHost} opens the admin port beyond this machine without adminToken (ADMIN_TOKEN): set a token of 16+ characters, bind the admin port to 127.0.0.1, or set ADMIN_INSECURE=true to accept the risk`,
    );
  }
}

/** Reads the YAML file (if any) and the environment, validates, and derives defaults. Throws ConfigError naming the key. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, unknown> = {},
): GatewayConfig {
  const input: Record<string, unknown> = { ...readSources(env), ...overrides };
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const lines = result.issues.map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      const envName = Object.entries(ENV_KEYS).find(([, k]) => k === issue.path[0])?.[0];
      return `${key}${envName ? ` (${envName})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  // Identities are keys: a map without a prototype, so that an identity such as "constructor" names no charger.
  const config = {
    ...result.data,
    chargers: Object.assign(Object.create(null) as ParsedConfig['chargers'], result.data.chargers),
  };
  refuseUnbuiltProtocols(config);
  checkAdmin(config);
  const redis = redisProblem(config);
  if (redis) throw new ConfigError(redis);
  const migration = migrationProblem(config);
  if (migration) throw new ConfigError(migration);
  const certificates = loadCertificates(config);
  const scheme = certificates.tls ? 'https' : 'http';
  const publicUrl = config.publicUrl ?? `${scheme}://${hostname()}:${config.port}/CentralSystemService`;
  return { ...config, ...certificates, publicUrl, chargerSeed: seedOf(input.chargers) };
}

/** A copy of the chargers' entries as written, without a prototype (an identity such as "constructor" is a key). */
function seedOf(chargers: unknown): GatewayConfig['chargerSeed'] {
  const seed: GatewayConfig['chargerSeed'] = Object.create(null);
  if (chargers && typeof chargers === 'object')
    for (const [identity, entry] of Object.entries(chargers)) seed[identity] = { ...(entry as object) };
  return seed;
}
