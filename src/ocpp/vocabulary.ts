import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The action names of the official schemas ocpp-rpc ships ("urn:BootNotification.req" -> BootNotification), read
 * without keeping the schemas: the validators load them only for a protocol in use.
 */
function actionsOf(schemaFile: string): string[] {
  const schemas = JSON.parse(readFileSync(require.resolve(schemaFile), 'utf8')) as { $id: string }[];
  return schemas.map((s) => s.$id.replace(/^urn:|\.(req|conf)$/g, ''));
}

/**
 * Every operation name of every OCPP version the gateway speaks: the OCPP-J actions of 1.6 and 2.0.1 (which include
 * every SOAP operation name of 1.2, 1.5 and 1.6). A metric label takes its value from here or is `other`
 * (docs/architecture.md#resource-bounds): a peer that invents action names cannot grow the metrics without bound.
 */
let operations: ReadonlySet<string> | undefined;
const OPERATIONS = (): ReadonlySet<string> =>
  (operations ??= new Set([
    ...actionsOf('ocpp-rpc/lib/schemas/ocpp1_6.json'),
    ...actionsOf('ocpp-rpc/lib/schemas/ocpp2_0_1.json'),
  ]));

/** RPC error codes of OCPP-J 1.6 and 2.0.1, both spellings. */
const RPC_ERROR_CODES: ReadonlySet<string> = new Set([
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormatViolation',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurrenceConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
  'RpcFrameworkError',
  'MessageTypeNotSupported',
]);

/** An operation name as a metric label: itself when OCPP defines it, else `other`. */
export const operationLabel = (name: string): string => (OPERATIONS().has(name) ? name : 'other');

/** An RPC error code as a metric label: itself when OCPP-J defines it, else `other`. */
export const rpcErrorLabel = (code: string): string => (RPC_ERROR_CODES.has(code) ? code : 'other');
