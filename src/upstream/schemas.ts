import { createRequire } from 'node:module';

/**
 * OCA OCPP 1.6 JSON schemas as shipped by the ocpp-rpc package (never hand-copied), compiled once.
 * The gateway validates what it is about to send and what the CSMS answers (map B.0).
 */
const require = createRequire(import.meta.url);
const { createValidator } = require('ocpp-rpc') as {
  createValidator(protocol: string, schemas: unknown): { validate(schemaId: string, payload: unknown): boolean };
};
const validator16 = createValidator('ocpp1.6', require('ocpp-rpc/lib/schemas/ocpp1_6.json'));

export type SchemaCheck = { ok: true } | { ok: false; code: string; message: string };

/** Validates a 1.6 payload: kind "req" for CALL payloads, "conf" for CALLRESULT payloads. */
export function check16(action: string, kind: 'req' | 'conf', payload: unknown): SchemaCheck {
  try {
    validator16.validate(`urn:${action}.${kind}`, payload);
    return { ok: true };
  } catch (err) {
    const e = err as { rpcErrorCode?: string; message: string };
    return { ok: false, code: e.rpcErrorCode ?? 'FormationViolation', message: e.message };
  }
}
