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

/** ocpp-rpc's id of the schema of an action's CALL ("req") or CALLRESULT ("conf") payload, in every version's file. */
export const ocaSchemaId = (action: string, kind: 'req' | 'conf'): string => `urn:${action}.${kind}`;

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

/** Property names whose every occurrence in a payload's schema is a string enumeration, with the values all allow. */
export type EnumsByName = ReadonlyMap<string, ReadonlySet<string>>;

interface SchemaNode {
  /** Keywords the enumerations do not depend on (type, maxLength, ...). */
  [keyword: string]: unknown;
  $ref?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  definitions?: Record<string, SchemaNode>;
}

/**
 * The enumerations of one payload schema by property name (docs/architecture.md#outbound-schema-checks). A name is
 * kept only when every place it appears is a string enumeration, with the values every one of them allows (arrays
 * carry their property's name to their items): a string under that name with one of those values is valid wherever
 * the payload has it. References within the schema (`#/definitions/...`) are followed, each node once per path.
 */
export function enumsByName(root: SchemaNode): EnumsByName {
  const seen = new Map<string, Set<string> | null>();
  const resolve = (node: SchemaNode): SchemaNode =>
    node.$ref?.startsWith('#/definitions/') ? (root.definitions?.[node.$ref.slice(14)] ?? {}) : node;
  const note = (name: string, node: SchemaNode) => {
    const values = node.enum?.every((v) => typeof v === 'string') ? new Set(node.enum as string[]) : null;
    const before = seen.get(name);
    seen.set(
      name,
      before === undefined ? values : before && values ? new Set([...before].filter((v) => values.has(v))) : null,
    );
  };
  const onPath = new Set<SchemaNode>();
  const visit = (raw: SchemaNode, name?: string): void => {
    const node = resolve(raw);
    if (onPath.has(node)) return void (name !== undefined && note(name, {}));
    onPath.add(node);
    const items = Array.isArray(node.items) ? node.items : node.items ? [node.items] : [];
    const choices = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
    if (name !== undefined && items.length === 0 && choices.length === 0) note(name, node);
    for (const sub of [...items, ...choices]) visit(sub, name);
    for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, key);
    onPath.delete(node);
  };
  visit(root);
  return new Map([...seen].filter((entry): entry is [string, Set<string>] => entry[1] !== null));
}

/** The enumerations of each action's payload schema in `schemaFile` (enumsByName), read on first use of each. */
export function schemaEnums(
  schemaFile: string,
  schemaId: (action: string, kind: 'req' | 'conf') => string,
): (action: string, kind: 'req' | 'conf') => EnumsByName {
  const byId = new Map<string, EnumsByName>();
  return (action, kind) => {
    const id = schemaId(action, kind);
    let enums = byId.get(id);
    if (!enums) {
      const schema = (require(schemaFile) as (SchemaNode & { $id: string })[]).find((s) => s.$id === id);
      enums = schema ? enumsByName(schema) : new Map();
      byId.set(id, enums);
    }
    return enums;
  };
}
