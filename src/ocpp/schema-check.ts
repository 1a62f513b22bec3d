import { createRequire } from 'node:module';
import type { SchemaCheck } from './protocols.js';
import type { RpcErrorCode } from './rpc-error.js';

const require = createRequire(import.meta.url);

type Validator = { validate(schemaId: string, payload: unknown): boolean };

/**
 * ocpp-rpc's validator module alone, on first use: the package's index also loads its client, whose import compiles
 * validators for every schema file it ships (1.6, 2.0.1 and 2.1), about 20 MiB of heap at start for nothing
 * (bench/README.md, "Idle memory").
 */
const createValidator = (protocol: string, schemas: unknown): Validator =>
  (require('ocpp-rpc/lib/validator.js') as { createValidator(p: string, s: unknown): Validator }).createValidator(
    protocol,
    schemas,
  );

/** ocpp-rpc names schema failures with a mix of spellings; the gateway's own names are the 2.0.1 ones. */
const NEUTRAL_CODE: Readonly<Record<string, RpcErrorCode>> = {
  FormatViolation: 'FormatViolation',
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
  OccurrenceConstraintViolation: 'OccurrenceConstraintViolation',
  PropertyConstraintViolation: 'PropertyConstraintViolation',
  TypeConstraintViolation: 'TypeConstraintViolation',
};

/**
 * A schema check over the official OCA JSON schemas as shipped by the ocpp-rpc package (never hand-copied), compiled
 * once, on first use: a gateway with no 2.0.1 charger never loads the 2.0.1 schemas. `schemaId` names the schema of
 * an action's CALL ("req") or CALLRESULT ("conf") payload in that file.
 */
export function schemaChecker(
  protocol: string,
  schemaFile: string,
  schemaId: (action: string, kind: 'req' | 'conf') => string,
): (action: string, kind: 'req' | 'conf', payload: unknown) => SchemaCheck {
  let validator: Validator | undefined;
  return (action, kind, payload) => {
    validator ??= createValidator(protocol, require(schemaFile));
    try {
      validator.validate(schemaId(action, kind), payload);
      return { ok: true };
    } catch (err) {
      const e = err as { rpcErrorCode?: string; message: string };
      return { ok: false, code: NEUTRAL_CODE[e.rpcErrorCode ?? ''] ?? 'FormatViolation', message: e.message };
    }
  };
}
