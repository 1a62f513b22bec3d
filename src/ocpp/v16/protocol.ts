import type { CsmsProtocolModule } from '../protocols.js';
import type { RpcErrorCode } from '../rpc-error.js';
import { schemaChecker } from '../schema-check.js';

/** Validates a 1.6 payload against the OCA 1.6 schemas: kind "req" for a CALL, "conf" for a CALLRESULT. */
export const check16 = schemaChecker(
  'ocpp1.6',
  'ocpp-rpc/lib/schemas/ocpp1_6.json',
  (action, kind) => `urn:${action}.${kind}`,
);

/** OCPP-J 1.6 Table 7 spells two codes differently from 2.0.1 (docs/translation.md#errors). */
const SPELLING_16: Partial<Record<RpcErrorCode, string>> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
};

/** OCPP-J 1.6 towards the CSMS. */
export const ocpp16: CsmsProtocolModule = {
  id: 'ocpp1.6',
  subprotocol: 'ocpp1.6',
  check: check16,
  errorCode: (code) => SPELLING_16[code] ?? code,
};
