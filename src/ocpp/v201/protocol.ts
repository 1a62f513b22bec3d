import type { CsmsProtocolModule } from '../protocols.js';
import type { RpcErrorCode } from '../rpc-error.js';
import { ocaSchemaId, schemaChecker, schemaTextRules } from '../schema-check.js';

const SCHEMAS = 'ocpp-rpc/lib/schemas/ocpp2_0_1.json';

/**
 * Validates a 2.0.1 payload against the OCA 2.0.1 schemas as shipped by ocpp-rpc (ids `urn:<Action>.req` / `.conf`):
 * kind "req" for a CALL, "conf" for a CALLRESULT.
 */
export const check201 = schemaChecker('ocpp2.0.1', SCHEMAS, ocaSchemaId);

/**
 * The gateway's neutral error codes are the OCPP 2.0.1 spellings (OCPP 2.0.1 Part 4 section 4.3), so they go on the
 * wire as they are. Codes that reach here in the 1.6 spelling (a charger Fault read as FormationViolation,
 * docs/translation.md#soap-fault-to-callerror) are respelled: a strict 2.0.1 CSMS knows only its own names.
 */
const FROM_16: Readonly<Record<string, string>> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

/** OCPP-J 2.0.1 towards the CSMS (docs/translation-201.md). */
export const ocpp201: CsmsProtocolModule = {
  id: 'ocpp2.0.1',
  subprotocol: 'ocpp2.0.1',
  check: check201,
  textRulesOf: schemaTextRules(SCHEMAS, ocaSchemaId),
  errorCode: (code: RpcErrorCode) => FROM_16[code] ?? code,
};
