import { createRequire } from 'node:module';
import type { BoundsByName, EnumsByName, SchemaCheck, TextRules } from './protocols.js';
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
 * `schemaId`, each id made once: the validator looks the id up among its schemas by name, and a string made anew for
 * every message is hashed and searched for in V8's string table on each lookup, where a kept one is found at once.
 */
function keptIds(
  schemaId: (action: string, kind: 'req' | 'conf') => string,
): (action: string, kind: 'req' | 'conf') => string {
  const byKind = { req: new Map<string, string>(), conf: new Map<string, string>() };
  return (action, kind) => {
    const ids = byKind[kind];
    let id = ids.get(action);
    if (id === undefined) ids.set(action, (id = schemaId(action, kind)));
    return id;
  };
}

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
  const idOf = keptIds(schemaId);
  return (action, kind, payload) => {
    validator ??= createValidator(protocol, require(schemaFile));
    try {
      validator.validate(idOf(action, kind), payload);
      return { ok: true };
    } catch (err) {
      const e = err as { rpcErrorCode?: string; message: string };
      return { ok: false, code: NEUTRAL_CODE[e.rpcErrorCode ?? ''] ?? 'FormatViolation', message: e.message };
    }
  };
}

interface SchemaNode {
  /** Keywords the text rules do not read (description, minimum, ...). */
  [keyword: string]: unknown;
  $ref?: string;
  enum?: unknown[];
  type?: unknown;
  maxLength?: unknown;
  format?: unknown;
  pattern?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  definitions?: Record<string, SchemaNode>;
}

/**
 * Calls `leaf` with every place a property name stands for a value of its own (arrays carry their property's name to
 * their items; a recursive reference is a leaf `{}`). References within the schema (`#/definitions/...`) are
 * followed, each node once per path.
 */
function forEachNamedLeaf(root: SchemaNode, leaf: (name: string, node: SchemaNode) => void): void {
  const resolve = (node: SchemaNode): SchemaNode =>
    node.$ref?.startsWith('#/definitions/') ? (root.definitions?.[node.$ref.slice(14)] ?? {}) : node;
  const onPath = new Set<SchemaNode>();
  const visit = (raw: SchemaNode, name?: string): void => {
    const node = resolve(raw);
    if (onPath.has(node)) return void (name !== undefined && leaf(name, {}));
    onPath.add(node);
    const items = Array.isArray(node.items) ? node.items : node.items ? [node.items] : [];
    const choices = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
    if (name !== undefined && items.length === 0 && choices.length === 0) leaf(name, node);
    for (const sub of [...items, ...choices]) visit(sub, name);
    for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, key);
    onPath.delete(node);
  };
  visit(root);
}

/**
 * Folds every occurrence of each name with `merge`; `null` drops the name for good. The names that stay, with what
 * their occurrences agreed on.
 */
function byName<T>(root: SchemaNode, of: (node: SchemaNode) => T | null, merge: (a: T, b: T) => T): Map<string, T> {
  const seen = new Map<string, T | null>();
  forEachNamedLeaf(root, (name, node) => {
    const value = of(node);
    const before = seen.get(name);
    seen.set(name, before === undefined ? value : before !== null && value !== null ? merge(before, value) : null);
  });
  return new Map([...seen].filter((entry): entry is [string, T] => entry[1] !== null));
}

/**
 * The enumerations of one payload schema by property name (docs/architecture.md#outbound-schema-checks). A name is
 * kept only when every place it appears is a string enumeration, with the values every one of them allows: a string
 * under that name with one of those values is valid wherever the payload has it.
 */
export function enumsByName(root: SchemaNode): EnumsByName {
  return byName(
    root,
    (node) => (node.enum?.every((v) => typeof v === 'string') ? new Set(node.enum as string[]) : null),
    (a, b) => new Set([...a].filter((v) => b.has(v))),
  );
}

/**
 * The length bounds of one payload schema by property name: a name is kept only when every place it appears is a
 * string with a `maxLength` and neither a format nor a pattern, with the smallest bound. A string under that name no
 * longer than it breaks no length bound wherever the payload has it (a 2.0.1 transactionId the gateway minted).
 */
export function boundsByName(root: SchemaNode): BoundsByName {
  const plainBound = (node: SchemaNode) =>
    node.type === 'string' &&
    typeof node.maxLength === 'number' &&
    node.format === undefined &&
    node.pattern === undefined
      ? node.maxLength
      : null;
  return byName(root, plainBound, Math.min);
}

/** The text rules of each action's payload schema in `schemaFile` (enumsByName, boundsByName), read on first use. */
export function schemaTextRules(
  schemaFile: string,
  schemaId: (action: string, kind: 'req' | 'conf') => string,
): (action: string, kind: 'req' | 'conf') => TextRules {
  const byId = new Map<string, TextRules>();
  return (action, kind) => {
    const id = schemaId(action, kind);
    let rules = byId.get(id);
    if (!rules) {
      const schema = (require(schemaFile) as (SchemaNode & { $id: string })[]).find((s) => s.$id === id);
      rules = schema
        ? { enums: enumsByName(schema), bounds: boundsByName(schema) }
        : { enums: new Map(), bounds: new Map() };
      byId.set(id, rules);
    }
    return rules;
  };
}
