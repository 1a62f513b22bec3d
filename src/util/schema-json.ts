import {
  type AnySchema,
  ArraySchema,
  BooleanSchema,
  DefaultSchema,
  EnumSchema,
  FAIL,
  LiteralSchema,
  NumberSchema,
  ObjectSchema,
  OptionalSchema,
  RecordSchema,
  StringSchema,
  TransformSchema,
  UnionSchema,
} from './schema.js';

/**
 * The JSON Schema (draft 2020-12, as OpenAPI 3.1 takes it) of what a schema of src/util/schema.ts takes: the input
 * side, so a key with a default shows it as `default` and is not required, a coerced number is a number, and a
 * transform is described by what it reads.
 */
export type JsonSchema = Record<string, unknown>;

function stringJson(schema: StringSchema): JsonSchema {
  const out: JsonSchema = { type: 'string' };
  const patterns: string[] = [];
  for (const check of schema.checks) {
    if (check.minLength !== undefined) out.minLength = Math.max(check.minLength, Number(out.minLength ?? 0));
    if (check.format) out.format = check.format;
    if (check.pattern) patterns.push(check.pattern.source);
  }
  if (patterns.length === 1) out.pattern = patterns[0];
  else if (patterns.length > 1) out.allOf = patterns.map((pattern) => ({ pattern }));
  return out;
}

function numberJson(schema: NumberSchema): JsonSchema {
  const out: JsonSchema = { type: schema.integer ? 'integer' : 'number' };
  if (schema.minimum) out[schema.minimum.exclusive ? 'exclusiveMinimum' : 'minimum'] = schema.minimum.value;
  if (schema.maximum !== undefined) out.maximum = schema.maximum;
  return out;
}

function objectJson(schema: ObjectSchema<Record<string, AnySchema>>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, value] of Object.entries(schema.shape)) {
    properties[key] = toJsonSchema(value);
    // Required: what refuses a missing value (an optional or a default takes it).
    if (value.run(undefined, [], []) === FAIL) required.push(key);
  }
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(schema.strictKeys ? { additionalProperties: false } : {}),
  };
}

export function toJsonSchema(schema: AnySchema): JsonSchema {
  if (schema instanceof StringSchema) return stringJson(schema);
  if (schema instanceof NumberSchema) return numberJson(schema);
  if (schema instanceof BooleanSchema) return { type: 'boolean' };
  if (schema instanceof EnumSchema) return { type: 'string', enum: [...schema.values] };
  if (schema instanceof LiteralSchema) return { type: typeof schema.value, const: schema.value };
  if (schema instanceof ArraySchema)
    return {
      type: 'array',
      items: toJsonSchema(schema.item),
      ...(schema.minItems ? { minItems: schema.minItems } : {}),
    };
  if (schema instanceof ObjectSchema) return objectJson(schema);
  if (schema instanceof RecordSchema) return { type: 'object', additionalProperties: toJsonSchema(schema.value) };
  if (schema instanceof UnionSchema) return { anyOf: schema.members.map(toJsonSchema) };
  if (schema instanceof DefaultSchema) return { default: schema.value, ...toJsonSchema(schema.inner) };
  if (schema instanceof OptionalSchema || schema instanceof TransformSchema) return toJsonSchema(schema.inner);
  throw new Error(`no JSON Schema for a schema of kind ${schema.kind}`);
}
