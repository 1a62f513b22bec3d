import {
  type AnySchema,
  FAIL,
  type Infer,
  type Input,
  type Issue,
  isMapping,
  type Outcome,
  type Path,
  Schema,
} from './schema-core.js';

/**
 * The project's validator, for the configuration and the charger settings (docs/configuration.md): schemas are built
 * once from the functions below, check a value, coerce and transform it, and name every problem by its path. Written
 * for what the gateway needs, so that no general-purpose validation library is loaded at every start (bench/README.md,
 * "Idle memory"). The base class and the optional, default and transform wrappers are in schema-core.ts; the JSON
 * Schema of a schema, for the OpenAPI document, is made by schema-json.ts.
 */

export * from './schema-core.js';

export interface StringCheck {
  test: (text: string) => boolean;
  message: string;
  /** For the JSON Schema: what the check is. */
  minLength?: number;
  pattern?: RegExp;
  format?: 'uri';
}

export class StringSchema extends Schema<string> {
  readonly kind = 'string';
  constructor(
    readonly checks: readonly StringCheck[] = [],
    /** The message for a missing value. */
    readonly required?: string,
  ) {
    super();
  }

  /** At least `length` characters. */
  min(length: number, message?: string): StringSchema {
    return this.with({
      test: (t) => t.length >= length,
      message: message ?? (length === 1 ? 'must not be empty' : `must be at least ${length} characters`),
      minLength: length,
    });
  }

  regex(pattern: RegExp, message?: string): StringSchema {
    return this.with({ test: (t) => pattern.test(t), message: message ?? `must match ${pattern}`, pattern });
  }

  /** What `new URL()` parses: a scheme and what it needs. */
  url(): StringSchema {
    return this.with({ test: (t) => URL.canParse(t), message: 'must be a URL', format: 'uri' });
  }

  private with(check: StringCheck): StringSchema {
    return new StringSchema([...this.checks, check], this.required);
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<string> {
    if (typeof value !== 'string') return this.refuse(value, path, issues, this.required);
    const failed = this.checks.find((c) => !c.test(value));
    if (!failed) return value;
    issues.push({ path, code: 'invalid', message: failed.message });
    return FAIL;
  }

  describe(): string {
    return 'a string';
  }
}

/** Number(value), or NaN for what cannot be made a primitive (an object without a prototype). */
function toNumber(value: unknown): number {
  try {
    return Number(value);
  } catch {
    return Number.NaN;
  }
}

export class NumberSchema extends Schema<number> {
  readonly kind = 'number';
  constructor(
    /** Anything else is read with Number() first: "10" from the environment or the file is 10. */
    readonly coerce: boolean,
    readonly integer = false,
    readonly minimum?: { value: number; exclusive: boolean },
    readonly maximum?: number,
  ) {
    super();
  }

  /** A safe integer (no fraction, within 2^53). */
  int(): NumberSchema {
    return new NumberSchema(this.coerce, true, this.minimum, this.maximum);
  }

  min(value: number): NumberSchema {
    return new NumberSchema(this.coerce, this.integer, { value, exclusive: false }, this.maximum);
  }

  /** Above 0. */
  positive(): NumberSchema {
    return new NumberSchema(this.coerce, this.integer, { value: 0, exclusive: true }, this.maximum);
  }

  max(value: number): NumberSchema {
    return new NumberSchema(this.coerce, this.integer, this.minimum, value);
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<number> {
    const n = this.coerce && value !== undefined ? toNumber(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) return this.refuse(value, path, issues);
    const low = this.minimum;
    const fits =
      (!this.integer || Number.isSafeInteger(n)) &&
      (!low || (low.exclusive ? n > low.value : n >= low.value)) &&
      (this.maximum === undefined || n <= this.maximum);
    return fits ? n : this.refuse(n, path, issues);
  }

  describe(): string {
    const what = this.integer ? 'an integer' : 'a number';
    const low = this.minimum;
    if (low && !low.exclusive && this.maximum !== undefined) return `${what} from ${low.value} to ${this.maximum}`;
    const bounds = [
      low && `${low.exclusive ? '>' : '>='} ${low.value}`,
      this.maximum !== undefined && `<= ${this.maximum}`,
    ];
    return [what, ...bounds.filter(Boolean)].join(' ');
  }
}

export class BooleanSchema extends Schema<boolean> {
  readonly kind = 'boolean';

  run(value: unknown, path: Path, issues: Issue[]): Outcome<boolean> {
    return typeof value === 'boolean' ? value : this.refuse(value, path, issues);
  }

  describe(): string {
    return 'true or false';
  }
}

export class EnumSchema<T extends string> extends Schema<T> {
  readonly kind = 'enum';
  constructor(readonly values: readonly T[]) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<T> {
    return this.values.includes(value as T) ? (value as T) : this.refuse(value, path, issues);
  }

  describe(): string {
    return `one of: ${this.values.join(', ')}`;
  }
}

export class LiteralSchema<T extends string | number | boolean> extends Schema<T> {
  readonly kind = 'literal';
  constructor(readonly value: T) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<T> {
    return value === this.value ? this.value : this.refuse(value, path, issues);
  }

  describe(): string {
    return JSON.stringify(this.value);
  }
}

export class ArraySchema<S extends AnySchema> extends Schema<Infer<S>[], Input<S>[]> {
  readonly kind = 'list';
  constructor(
    readonly item: S,
    readonly minItems = 0,
  ) {
    super();
  }

  /** At least `count` entries. */
  min(count: number): ArraySchema<S> {
    return new ArraySchema(this.item, count);
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<Infer<S>[]> {
    if (!Array.isArray(value)) return this.refuse(value, path, issues);
    if (value.length < this.minItems) {
      const message = this.minItems === 1 ? 'must not be empty' : `must have at least ${this.minItems} entries`;
      issues.push({ path, code: 'invalid', message });
      return FAIL;
    }
    const out: Infer<S>[] = [];
    let failed = false;
    value.forEach((entry, i) => {
      const result = this.item.run(entry, [...path, i], issues);
      if (result === FAIL) failed = true;
      else out.push(result);
    });
    return failed ? FAIL : out;
  }

  describe(): string {
    return 'a list';
  }
}

/** The schemas of an object's keys. */
export type Shape = Record<string, AnySchema>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** Keys whose value may be undefined are optional keys. */
type WithOptionalKeys<T> = Simplify<
  { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
    [K in keyof T as undefined extends T[K] ? K : never]?: T[K];
  }
>;
export type ObjectOutput<Sh extends Shape> = WithOptionalKeys<{ [K in keyof Sh]: Infer<Sh[K]> }>;
export type ObjectInput<Sh extends Shape> = WithOptionalKeys<{ [K in keyof Sh]: Input<Sh[K]> }>;

export class ObjectSchema<Sh extends Shape> extends Schema<ObjectOutput<Sh>, ObjectInput<Sh>> {
  readonly kind = 'object';
  constructor(
    readonly shape: Sh,
    /** Unknown keys are refused (otherwise they are left out of the result). */
    readonly strictKeys = false,
  ) {
    super();
  }

  strict(): ObjectSchema<Sh> {
    return new ObjectSchema(this.shape, true);
  }

  /** The same object without `keys`. */
  omit<K extends keyof Sh & string>(keys: readonly K[]): ObjectSchema<Omit<Sh, K>> {
    const shape = Object.fromEntries(Object.entries(this.shape).filter(([key]) => !keys.includes(key as K)));
    return new ObjectSchema(shape as Omit<Sh, K>, this.strictKeys);
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<ObjectOutput<Sh>> {
    if (!isMapping(value)) return this.refuse(value, path, issues);
    const out: Record<string, unknown> = {};
    let failed = false;
    for (const [key, schema] of Object.entries(this.shape)) {
      const result = schema.run(Object.hasOwn(value, key) ? value[key] : undefined, [...path, key], issues);
      if (result === FAIL) failed = true;
      else if (result !== undefined) out[key] = result;
    }
    if (this.strictKeys)
      for (const key of Object.keys(value))
        if (!Object.hasOwn(this.shape, key)) {
          issues.push({ path: [...path, key], code: 'unknown_key', message: 'unknown key' });
          failed = true;
        }
    return failed ? FAIL : (out as ObjectOutput<Sh>);
  }

  describe(): string {
    return 'an object';
  }
}

/** A mapping of any names to values of one schema, e.g. the chargers by identity. */
export class RecordSchema<S extends AnySchema> extends Schema<Record<string, Infer<S>>, Record<string, Input<S>>> {
  readonly kind = 'record';
  constructor(readonly value: S) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<Record<string, Infer<S>>> {
    if (!isMapping(value)) return this.refuse(value, path, issues);
    const out: Record<string, Infer<S>> = {};
    let failed = false;
    for (const [key, entry] of Object.entries(value)) {
      const result = this.value.run(entry, [...path, key], issues);
      if (result === FAIL) failed = true;
      // Defined, not assigned: a key such as "__proto__" is a key like any other.
      else Object.defineProperty(out, key, { value: result, enumerable: true, writable: true, configurable: true });
    }
    return failed ? FAIL : out;
  }

  describe(): string {
    return 'an object';
  }
}

/** The first member that takes the value gives the result; when none does, one issue (`message`, if given). */
export class UnionSchema<M extends readonly AnySchema[]> extends Schema<Infer<M[number]>, Input<M[number]>> {
  readonly kind = 'union';
  constructor(
    readonly members: M,
    private readonly message?: string,
  ) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<Infer<M[number]>> {
    for (const member of this.members) {
      const tried: Issue[] = [];
      const result = member.run(value, path, tried);
      if (result !== FAIL && tried.length === 0) return result;
    }
    if (value === undefined) return this.refuse(value, path, issues);
    issues.push({ path, code: 'invalid', message: this.message ?? `must be ${this.describe()}` });
    return FAIL;
  }

  describe(): string {
    return this.members.map((m) => m.describe()).join(' or ');
  }
}

/** A string; `required` is the message when it is missing. */
export const string = (options: { required?: string } = {}) => new StringSchema([], options.required);
/** A URL (what `new URL()` parses): a string with a scheme. */
export const url = () => new StringSchema().url();
/** A number: a JSON or YAML number, nothing else. */
export const number = () => new NumberSchema(false);
/** A number, or what Number() makes a number of: "10" from the environment is 10. */
export const numeric = () => new NumberSchema(true);
export const boolean = () => new BooleanSchema();
/** One of the strings `values`. */
export const oneOf = <const T extends string>(values: readonly T[]) => new EnumSchema<T>(values);
export const literal = <const T extends string | number | boolean>(value: T) => new LiteralSchema<T>(value);
export const array = <S extends AnySchema>(item: S) => new ArraySchema(item);
export const object = <Sh extends Shape>(shape: Sh) => new ObjectSchema(shape);
export const record = <S extends AnySchema>(value: S) => new RecordSchema(value);
export const union = <const M extends readonly AnySchema[]>(members: M, message?: string) =>
  new UnionSchema(members, message);
/** A list of strings: a YAML or JSON list, or a comma- or space-separated string (from an environment variable). */
export const stringList = (message: string) =>
  union([array(string()), string().transform((v) => v.split(/[\s,]+/).filter(Boolean))], message);
