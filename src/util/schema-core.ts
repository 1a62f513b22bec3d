/**
 * The base of the project's validator (src/util/schema.ts, where the schemas are built): a schema checks a value,
 * coerces or transforms it, and names every problem by its path. Here: the base class, issues and results, and the
 * three wrappers every schema has (optional, default, transform).
 */

/** Where a problem is: object keys and list positions from the root. */
export type Path = (string | number)[];

export interface Issue {
  path: Path;
  message: string;
  /** unknown_key: a strict object was given a key it does not have (the path ends with that key). */
  code: 'invalid' | 'unknown_key';
}

export type Result<T> = { success: true; data: T } | { success: false; issues: Issue[] };

/** What parse throws: the issues, one a line. */
export class SchemaError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('\n'));
  }
}

export type Kind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'literal'
  | 'list'
  | 'object'
  | 'record'
  | 'union'
  | 'optional'
  | 'default'
  | 'transform';

/** What run returns when the input failed; the issues say why. */
export const FAIL: unique symbol = Symbol('fail');
export type Outcome<T> = T | typeof FAIL;

/** What a transform can do besides returning its value: refuse the input with a message. */
export interface TransformContext {
  fail(message: string): never;
}

class TransformFailure {
  constructor(readonly message: string) {}
}

const transformContext: TransformContext = {
  fail(message) {
    throw new TransformFailure(message);
  },
};

/** A mapping, not a list and not null: what an object or a record takes. */
export const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A shallow copy of a default value, so that no two parses share one list or mapping. */
const copyOf = <T>(value: T): T => (Array.isArray(value) ? [...value] : isMapping(value) ? { ...value } : value) as T;

export abstract class Schema<Out, In = Out> {
  /** Type-level only: what the schema returns and what it takes (see Infer and Input). */
  declare readonly _output: Out;
  declare readonly _input: In;
  abstract readonly kind: Kind;
  /** The schema an optional, default or transform wraps. */
  declare readonly inner?: AnySchema;

  /** The checked (coerced, transformed) value, or FAIL after pushing at least one issue to `issues`. */
  abstract run(value: unknown, path: Path, issues: Issue[]): Outcome<Out>;

  /** What the schema takes, for messages: "an integer from 0 to 65535". */
  abstract describe(): string;

  safeParse(value: unknown): Result<Out> {
    const issues: Issue[] = [];
    const data = this.run(value, [], issues);
    return data === FAIL || issues.length > 0 ? { success: false, issues } : { success: true, data };
  }

  /** The checked value; throws SchemaError. */
  parse(value: unknown): Out {
    const result = this.safeParse(value);
    if (!result.success) throw new SchemaError(result.issues);
    return result.data;
  }

  /** undefined is accepted (and returned). */
  optional(): OptionalSchema<this> {
    return new OptionalSchema(this);
  }

  /** undefined becomes a copy of `value`, which is not checked again. */
  default(value: Exclude<Out, undefined>): DefaultSchema<this> {
    return new DefaultSchema(this, value);
  }

  /** Runs `fn` on the checked value; `ctx.fail(message)` refuses the input with that message. */
  transform<T>(fn: (value: Out, ctx: TransformContext) => T): TransformSchema<this, T> {
    return new TransformSchema(this, fn);
  }

  /** Pushes the issue of a value of the wrong type or out of bounds (or a missing one), and fails. */
  protected refuse(value: unknown, path: Path, issues: Issue[], required = 'is required'): typeof FAIL {
    issues.push({ path, code: 'invalid', message: value === undefined ? required : `must be ${this.describe()}` });
    return FAIL;
  }
}

/** Any schema, whatever it takes and returns: what a schema made of other schemas needs of them. */
export interface AnySchema {
  readonly _output: unknown;
  readonly _input: unknown;
  readonly kind: Kind;
  readonly inner?: AnySchema;
  run(value: unknown, path: Path, issues: Issue[]): Outcome<this['_output']>;
  describe(): string;
}
/** What a schema returns (after coercion, defaults and transforms). */
export type Infer<S extends AnySchema> = S['_output'];
/** What a schema takes. */
export type Input<S extends AnySchema> = S['_input'];

export class OptionalSchema<S extends AnySchema> extends Schema<Infer<S> | undefined, Input<S> | undefined> {
  readonly kind = 'optional';
  constructor(override readonly inner: S) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<Infer<S> | undefined> {
    return value === undefined ? undefined : this.inner.run(value, path, issues);
  }

  describe(): string {
    return this.inner.describe();
  }
}

export class DefaultSchema<S extends AnySchema> extends Schema<Exclude<Infer<S>, undefined>, Input<S> | undefined> {
  readonly kind = 'default';
  constructor(
    override readonly inner: S,
    readonly value: Exclude<Infer<S>, undefined>,
  ) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<Exclude<Infer<S>, undefined>> {
    if (value === undefined) return copyOf(this.value);
    return this.inner.run(value, path, issues) as Outcome<Exclude<Infer<S>, undefined>>;
  }

  describe(): string {
    return this.inner.describe();
  }
}

export class TransformSchema<S extends AnySchema, T> extends Schema<T, Input<S>> {
  readonly kind = 'transform';
  constructor(
    override readonly inner: S,
    private readonly fn: (value: Infer<S>, ctx: TransformContext) => T,
  ) {
    super();
  }

  run(value: unknown, path: Path, issues: Issue[]): Outcome<T> {
    const checked = this.inner.run(value, path, issues);
    if (checked === FAIL) return FAIL;
    try {
      return this.fn(checked, transformContext);
    } catch (err) {
      if (!(err instanceof TransformFailure)) throw err;
      issues.push({ path, code: 'invalid', message: err.message });
      return FAIL;
    }
  }

  describe(): string {
    return this.inner.describe();
  }
}
