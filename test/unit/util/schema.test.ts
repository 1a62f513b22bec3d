import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as s from '../../../src/util/schema.js';
import { toJsonSchema } from '../../../src/util/schema-json.js';

/** The issues of a refused value as `path: message` lines; fails the test when the value is accepted. */
function problems(schema: { safeParse(v: unknown): s.Result<unknown> }, value: unknown): string[] {
  const result = schema.safeParse(value);
  assert.equal(result.success, false, `${JSON.stringify(value)} is refused`);
  return result.success ? [] : result.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('schema: the validator of the configuration', () => {
  it('a numeric schema reads text with Number(); NaN, infinities, fractions and bounds are refused', () => {
    const port = s.numeric().int().min(0).max(65535);
    assert.equal(port.parse('8080'), 8080);
    assert.equal(port.parse(' 12 '), 12);
    assert.equal(port.parse(443), 443);
    for (const bad of ['eighty', 'Infinity', '1.5', '-1', '65536', {}])
      assert.deepEqual(problems(port, bad), [': must be an integer from 0 to 65535'], String(bad));
    assert.deepEqual(problems(port, undefined), [': is required']);
    assert.equal(s.numeric().positive().parse('0.5'), 0.5);
    assert.deepEqual(problems(s.numeric().positive(), '0'), [': must be a number > 0']);
    assert.deepEqual(problems(s.numeric().int().min(1024), 100), [': must be an integer >= 1024']);
    assert.deepEqual(problems(s.number(), '10'), [': must be a number'], 'a plain number takes no text');
    assert.equal(s.number().max(90).parse(-12.5), -12.5);
  });

  it('strings: min length, pattern and URL checks, each with its message; a custom message for a missing one', () => {
    assert.deepEqual(problems(s.string().min(1), ''), [': must not be empty']);
    assert.deepEqual(problems(s.string().min(32, 'KEY must be at least 32 characters'), 'short'), [
      ': KEY must be at least 32 characters',
    ]);
    assert.deepEqual(problems(s.string().regex(/^\d+$/), 'x1'), [': must match /^\\d+$/']);
    assert.deepEqual(problems(s.string({ required: 'URL is required' }), undefined), [': URL is required']);
    assert.deepEqual(problems(s.string({ required: 'URL is required' }), 5), [': must be a string']);
    assert.equal(s.url().parse('http://10.0.0.9:8080/cp'), 'http://10.0.0.9:8080/cp');
    assert.equal(s.url().parse('mailto:ops@example.com'), 'mailto:ops@example.com', 'any scheme URL parses');
    for (const bad of ['not a url', 'http//x', '/relative'])
      assert.deepEqual(problems(s.url(), bad), [': must be a URL']);
    const httpUrl = s.url().regex(/^https?:\/\//, 'must be an http:// or https:// URL');
    assert.deepEqual(problems(httpUrl, 'ftp://x'), [': must be an http:// or https:// URL']);
  });

  it('enums and literals name what they take; booleans take no text', () => {
    const level = s.oneOf(['info', 'debug']);
    assert.equal(level.parse('debug'), 'debug');
    assert.deepEqual(problems(level, 'loud'), [': must be one of: info, debug']);
    assert.deepEqual(problems(s.union([s.literal(1), s.literal(3)]), 2), [': must be 1 or 3']);
    assert.deepEqual(problems(s.boolean(), 'false'), [': must be true or false']);
  });

  it('a default fills a missing value (a fresh copy each time, not checked again); optional leaves it missing', () => {
    const shape = s.object({
      port: s.numeric().default(8080),
      name: s.string().optional(),
      list: s.array(s.string()).default([]),
      odd: s.numeric().min(10).default(1),
    });
    const first = shape.parse({});
    const firstList = first.list;
    assert.deepEqual(first, { port: 8080, list: [], odd: 1 });
    assert.equal('name' in first, false);
    firstList.push('changed');
    assert.deepEqual(shape.parse({}).list, [], 'the default list is not shared between results');
    assert.deepEqual(shape.parse({ port: '9000', name: 'x', list: ['a'] }), {
      port: 9000,
      name: 'x',
      list: ['a'],
      odd: 1,
    });
    assert.deepEqual(problems(s.string().optional(), null), [': must be a string'], 'null is not undefined');
  });

  it('a strict object names each unknown key by its path, after the problems of its known keys', () => {
    const inner = s.object({ key: s.string() }).strict();
    const outer = s.object({ port: s.numeric(), shed: inner.optional() }).strict();
    assert.deepEqual(problems(outer, { port: 'x', colour: 'red', shed: { key: 'k', extra: 1 } }), [
      'port: must be a number',
      'shed.extra: unknown key',
      'colour: unknown key',
    ]);
    const result = outer.safeParse({ colour: 'red', port: 1 });
    assert.equal(result.success ? undefined : result.issues[0]?.code, 'unknown_key');
    assert.deepEqual(s.object({ a: s.string() }).parse({ a: 'x', b: 1 }), { a: 'x' }, 'not strict: left out');
    assert.deepEqual(problems(inner, ['k']), [': must be an object']);
    assert.deepEqual(problems(inner, {}), ['key: is required']);
  });

  it('a union takes the first member that accepts; none: one issue, with its own message when given', () => {
    const flag = s.union([s.boolean(), s.oneOf(['true', 'false']).transform((v) => v === 'true')]);
    assert.equal(flag.parse(false), false);
    assert.equal(flag.parse('true'), true);
    assert.deepEqual(problems(flag, 'yes'), [': must be true or false or one of: true, false']);
    const order = s.union([s.string().transform((v) => `first ${v}`), s.string().transform((v) => `second ${v}`)]);
    assert.equal(order.parse('x'), 'first x');
    const text = s.union([s.numeric().int(), s.string()]);
    assert.equal(text.parse('12'), 12, 'the numeric member comes first');
    assert.equal(text.parse('a'), 'a');
    assert.deepEqual(problems(s.stringList('must be a list of names'), [1]), [': must be a list of names']);
    assert.deepEqual(s.stringList('names').parse('a, b  c'), ['a', 'b', 'c']);
  });

  it('a transform runs on the checked value; ctx.fail refuses with its message', () => {
    const even = s.numeric().transform((n, ctx) => (n % 2 === 0 ? n / 2 : ctx.fail(`${n} is odd`)));
    assert.equal(even.parse('8'), 4);
    assert.deepEqual(problems(even, 3), [': 3 is odd']);
    assert.deepEqual(problems(even, 'x'), [': must be a number'], 'not run when the inner schema refuses');
    const boom = s.string().transform(() => {
      throw new Error('a bug');
    });
    assert.throws(() => boom.parse('x'), /a bug/, 'an exception that is no ctx.fail is not swallowed');
  });

  it('lists and records name the position or key at fault; a record keeps a key such as __proto__ as a key', () => {
    const chargers = s.record(s.object({ port: s.numeric().max(10) }).strict());
    assert.deepEqual(problems(chargers, { a: { port: 1 }, 'CP:1': { port: 11 }, c: null }), [
      'CP:1.port: must be a number <= 10',
      'c: must be an object',
    ]);
    assert.deepEqual(problems(chargers, []), [': must be an object']);
    const parsed = chargers.parse(JSON.parse('{"__proto__": {"port": 2}}'));
    assert.deepEqual(Object.keys(parsed), ['__proto__']);
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    const groups = s.array(s.numeric().int().positive()).min(1);
    assert.deepEqual(groups.parse(['1', 2]), [1, 2]);
    assert.deepEqual(problems(groups, [1, 0, 'x']), ['1: must be an integer > 0', '2: must be an integer > 0']);
    assert.deepEqual(problems(groups, []), [': must not be empty']);
    assert.throws(
      () => groups.parse([0]),
      (e: unknown) => e instanceof s.SchemaError && /^0: must be/.test(e.message),
    );
  });

  it('omit leaves keys out of an object, which then refuses them as unknown', () => {
    const full = s.object({ a: s.string().optional(), b: s.string().optional() }).strict();
    const less = full.omit(['b']);
    assert.deepEqual(Object.keys(less.shape), ['a']);
    assert.deepEqual(problems(less, { b: 'x' }), ['b: unknown key']);
    assert.deepEqual(full.parse({ b: 'x' }), { b: 'x' }, 'the original is unchanged');
  });

  it('the JSON Schema describes the input side: defaults, optional keys, enums, URLs, patterns and bounds', () => {
    const settings = s
      .object({
        callbackUrl: s.url().optional(),
        name: s.string().min(1),
        zone: s.string().regex(/^Z$/).default('Z'),
        level: s.oneOf(['info', 'debug']).optional(),
        port: s.numeric().int().min(0).max(65535).default(80),
        ratio: s.number().positive(),
        on: s.boolean().default(true),
        phases: s.union([s.literal(1), s.literal(3)]),
        nets: s
          .stringList('x')
          .transform((list) => list.length)
          .optional(),
        groups: s.array(s.numeric()).min(1),
        loose: s.object({ k: s.string() }),
      })
      .strict();
    assert.deepEqual(toJsonSchema(settings), {
      type: 'object',
      properties: {
        callbackUrl: { type: 'string', format: 'uri' },
        name: { type: 'string', minLength: 1 },
        zone: { default: 'Z', type: 'string', pattern: '^Z$' },
        level: { type: 'string', enum: ['info', 'debug'] },
        port: { default: 80, type: 'integer', minimum: 0, maximum: 65535 },
        ratio: { type: 'number', exclusiveMinimum: 0 },
        on: { default: true, type: 'boolean' },
        phases: {
          anyOf: [
            { type: 'number', const: 1 },
            { type: 'number', const: 3 },
          ],
        },
        nets: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }] },
        groups: { type: 'array', items: { type: 'number' }, minItems: 1 },
        loose: { type: 'object', properties: { k: { type: 'string' } }, required: ['k'] },
      },
      required: ['name', 'ratio', 'phases', 'groups', 'loose'],
      additionalProperties: false,
    });
    assert.deepEqual(toJsonSchema(s.record(s.boolean())), {
      type: 'object',
      additionalProperties: { type: 'boolean' },
    });
  });

  it('the static types: defaults make keys required in the result, optional keys stay optional, transforms change the type', () => {
    const schema = s.object({
      port: s.numeric().default(1),
      name: s.string().optional(),
      level: s.oneOf(['info', 'debug']),
      nets: s.stringList('x').transform((list) => list.length),
    });
    const out: s.Infer<typeof schema> = { port: 1, level: 'info', nets: 2 };
    const input: s.Input<typeof schema> = { level: 'debug', nets: ['a'] };
    // @ts-expect-error: a default makes the key required in the result
    const noPort: s.Infer<typeof schema> = { level: 'info', nets: 2 };
    // @ts-expect-error: an enum is a union of its values
    const badLevel: s.Input<typeof schema> = { level: 'loud', nets: 'a' };
    assert.deepEqual(schema.parse(input), { port: 1, level: 'debug', nets: 1 });
    assert.ok(out && noPort && badLevel);
  });
});
