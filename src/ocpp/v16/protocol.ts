import type { CsmsProtocolModule } from '../protocols.js';
import type { RpcErrorCode } from '../rpc-error.js';
import { ocaSchemaId, schemaChecker, schemaTextRules } from '../schema-check.js';

const SCHEMAS = 'ocpp-rpc/lib/schemas/ocpp1_6.json';

/** Validates a 1.6 payload against the OCA 1.6 schemas: kind "req" for a CALL, "conf" for a CALLRESULT. */
export const check16 = schemaChecker('ocpp1.6', SCHEMAS, ocaSchemaId);

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
  textRulesOf: schemaTextRules(SCHEMAS, ocaSchemaId),
  errorCode: (code) => SPELLING_16[code] ?? code,
};
