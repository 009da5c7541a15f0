import fc from 'fast-check';

/**
 * What a hostile client sends, as fast-check arbitraries: strings with control characters, lone
 * surrogates, bidi overrides, combining marks and injection attempts; numbers too big, too small or
 * not numbers; bodies nested deeper than anything, keys duplicated or poisonous; headers missing,
 * duplicated or malformed; bytes in a URL that are not UTF-8.
 */

const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\udbff\udfff',
  '\u001b[31mred',
  '\r\nSet-Cookie: x=1',
  '\t',
  '\u202eevil',
  '\ufeff',
  '\uffff',
  'e\u0301',
  '🙂',
  '👩‍👩‍👧‍👦',
  '𝕏',
  "' OR 1=1 --",
  '"; DROP TABLE "Order"; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '%s%n',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, as a client would send it
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-0',
  '1e309',
  '0x10',
  'x'.repeat(300),
  'É'.repeat(5000),
] as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** encodeURIComponent cannot encode a lone surrogate: such text goes into URLs as raw bytes instead. */
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

/** Text of every kind, well-formed or not. */
export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...NASTY_TEXT), { maxLength: 4 }).map((parts) => parts.join('')) },
);

export const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.MIN_VALUE, 2 ** 31, 2 ** 53, 1e21, 0.1),
);

/** Any JSON value, from a plain scalar to nested objects, with nasty leaves. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Raw body text that JSON.stringify never writes: bombs, duplicate keys, raw huge numbers, garbage. */
export const rawBodyText = fc.oneof(
  fc.integer({ min: 17, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 17, max: 50_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom(
    '{"customer":{"id":"C1","id":"C2"}}',
    '{"lines":[{"sku":"MUG-CER-350","quantity":1e400}]}',
    '{"lines":[{"sku":"MUG-CER-350","quantity":-1e400}]}',
    '{"lines":[{"sku":"MUG-CER-350","quantity":123456789012345678901234567890}]}',
    '{"quantity":0.0000000000000000000000000000001}',
    '{"reason":"\\ud800"}',
    '{"reason":"\\u0000"}',
    '{"decision":"wait"}garbage',
    '{"__proto__":{"polluted":true},"decision":"wait"}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '[',
    '"just a string"',
    'null',
    '1e999',
    '\ufeff{"decision":"wait"}',
    '{"events":[]}',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** A path segment: sometimes a known id, sometimes anything, raw bytes that are not UTF-8 included. */
export function pathSegment(known: readonly string[]) {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: nastyString.filter(wellFormed).map((s) => encodeURIComponent(s) || 'x') },
    { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%FF', '%C0%80', '%00', '%2F', '..', '%2e%2e', 'a%20b', 'x'.repeat(2000)) },
  );
}

/** A query string over the route's own parameter names and some made up, with nasty values, repeated or not. */
export function queryString(names: readonly string[]) {
  const value = fc.oneof(
    nastyString.filter(wellFormed).map((s) => encodeURIComponent(s)),
    fc.constantFrom('%ED%A0%80', '%FF%FE', '%0A', '%00', '1e309', '-1', '999999999999999999999', 'true', 'TRUE', ''),
  );
  const name = fc.oneof(fc.constantFrom(...names, 'limit', 'cursor'), fc.constantFrom('%00', 'x%0Ay', '__proto__', ''));
  return fc
    .array(fc.tuple(name, value), { maxLength: 5 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
}

/** Replaces one leaf of a valid body with something hostile, so validation is exercised field by field. */
export function mutated(base: unknown) {
  const leaves = leafPaths(base);
  return fc
    .tuple(fc.constantFrom(...leaves), fc.oneof(nastyJson, nastyString, nastyNumber))
    .map(([path, value]) => setAt(base, path, value));
}

function leafPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, i) => leafPaths(item, [...at, i]))];
  if (value !== null && typeof value === 'object') return [at, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...at, k]))];
  return [at];
}

function setAt(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(base)) {
    const copy: unknown[] = [...base];
    copy[head as number] = setAt(copy[head as number], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  copy[String(head)] = setAt(copy[String(head)], rest, value);
  return copy;
}

/**
 * A browser form's body (application/x-www-form-urlencoded): the tracking page's return form, its
 * fields sometimes valid, sometimes hostile (NUL bytes, lone surrogates as raw bytes, huge numbers),
 * fields added, fields missing.
 */
export function formBody(sku: string) {
  const value = fc.oneof(
    fc.constantFrom('1', '0', '2', '-1', '1e309', 'NaN', '', '0x10', '1.5'),
    nastyString.filter(wellFormed).map((s) => encodeURIComponent(s)),
    fc.constantFrom('%00', '%ED%A0%80', '%FF', '%0A', 'a%00b'),
  );
  const fields = fc.record(
    {
      qty: fc.oneof(fc.constant('1'), value),
      reason: fc.oneof(fc.constantFrom('defective', 'wrong_item', 'other'), value),
      comment: fc.oneof(fc.constant('too%20small'), value),
      key: fc.oneof(fc.constant('fuzzFormKey0123456789'), value),
      extra: fc.array(fc.tuple(value, value), { maxLength: 3 }),
    },
    { requiredKeys: ['extra'] },
  );
  return fields.map((f) =>
    [
      ...(f.qty !== undefined ? [`qty.${sku}=${f.qty}`] : []),
      ...(f.reason !== undefined ? [`reason=${f.reason}`] : []),
      ...(f.comment !== undefined ? [`comment=${f.comment}`] : []),
      ...(f.key !== undefined ? [`key=${f.key}`] : []),
      ...f.extra.map(([k, v]) => `${k}=${v}`),
    ].join('&'),
  );
}
