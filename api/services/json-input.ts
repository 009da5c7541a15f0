import type { ErrorDetail } from '../../domain/api';

/**
 * What a request body may be before any recursive work touches it. A body is text from anyone: its
 * shape is bounded by one linear scan of the raw text (nesting, number of values, string lengths)
 * before JSON.parse builds it, and its text is checked once parsed (iteratively, the depth being
 * bounded) for what no field of ours means and PostgreSQL cannot store: control characters and
 * invalid Unicode (lone surrogates). No field of ours nests deeper than 5 or holds more than a few
 * hundred values, so the limits leave a wide margin for honest clients and none for a bomb.
 */

export const JSON_LIMITS = {
  maxDepth: 16,
  /** Objects, arrays and scalars together. */
  maxValues: 10_000,
  /** Raw characters between quotes (escapes counted as written). */
  maxStringLength: 10_000,
} as const;

export type JsonLimits = { readonly [K in keyof typeof JSON_LIMITS]: number };

export type JsonInput =
  | { ok: true; value: unknown }
  | { ok: false; code: 'invalid_json' | 'validation_failed'; message: string; details?: ErrorDetail[] };

/** The first limit the raw text breaks, scanning once without recursion; undefined when within them. */
export function shapeProblem(text: string, limits: JsonLimits = JSON_LIMITS): string | undefined {
  let depth = 0;
  let values = 0;
  let inString = false;
  let stringStart = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i += 1;
      else if (c === 0x22 /* " */) {
        inString = false;
        if (i - stringStart > limits.maxStringLength) return `a string is longer than ${limits.maxStringLength} characters`;
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i + 1;
      values += 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth += 1;
      values += 1;
      if (depth > limits.maxDepth) return `the body nests deeper than ${limits.maxDepth} levels`;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth -= 1;
    } else if (c === 0x2c /* , */) {
      values += 1;
    }
    if (values > limits.maxValues) return `the body holds more than ${limits.maxValues} values`;
  }
  return undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const CONTROL_ANYWHERE = /[\u0000-\u001f\u007f]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one: text no encoder can write. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Keys that would reach an object's prototype if the body were ever merged into one. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a piece of text cannot be accepted, or undefined. Tabs and line breaks are text in a body, never in a query or a path. */
export function textProblem(text: string, where: 'body' | 'url'): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'contains invalid Unicode (a lone surrogate)';
  if ((where === 'body' ? CONTROL_IN_TEXT : CONTROL_ANYWHERE).test(text)) return 'contains a control character';
  return undefined;
}

const pathOf = (parent: string, key: string | number) =>
  typeof key === 'number' || /^[A-Za-z0-9_-]+$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key.slice(0, 40))}]`;

/** Every string and key of a parsed body checked, iteratively; at most 20 problems reported. */
export function bodyTextProblems(value: unknown, root = 'body'): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0 && problems.length < 20) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const problem = textProblem(current, 'body');
      if (problem) problems.push({ path, message: problem });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push([current[i], pathOf(path, i)]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        const keyProblem = FORBIDDEN_KEYS.has(key) ? 'is not an accepted field name' : textProblem(key, 'url');
        if (keyProblem) problems.push({ path: pathOf(path, key), message: `the field name ${keyProblem}` });
        else stack.push([item, pathOf(path, key)]);
      }
    }
  }
  return problems;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The first key given twice in one object of valid JSON text, with its path, or undefined. JSON.parse keeps the
 * last of two and says nothing, so a proxy or a log reading the first would see another request than ours acts on.
 * One linear scan, no recursion; a key is compared as decoded ("a" and "\u0061" are the same key).
 */
export function duplicateKey(text: string): ErrorDetail | undefined {
  type Frame = { keys: Set<string> | undefined; path: string; index: number; key: string | undefined };
  const stack: Frame[] = [];
  const pathHere = () => {
    const top = stack.at(-1);
    if (!top) return 'body';
    return top.keys ? pathOf(top.path, top.key ?? '') : pathOf(top.path, top.index);
  };
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i += 1; i < text.length && text.charCodeAt(i) !== 0x22; i += 1) {
        if (text.charCodeAt(i) === 0x5c) {
          escaped = true;
          i += 1;
        }
      }
      const top = stack.at(-1);
      let next = i + 1;
      while (next < text.length && /\s/.test(text.charAt(next))) next += 1;
      if (!top?.keys || text.charCodeAt(next) !== 0x3a /* : */) continue;
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      if (top.keys.has(key)) return { path: pathOf(top.path, key), message: 'is given more than once; send each field once' };
      top.keys.add(key);
      top.key = key;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : undefined, path: pathHere(), index: 0, key: undefined });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top && !top.keys) top.index += 1;
    }
  }
  return undefined;
}

/** What an unknown field of a body is told, whichever check finds it. */
export const UNKNOWN_FIELD = 'is not a field of this request; check its spelling (OpenAPI: /openapi.json)';

/**
 * Fields of a received body that the validated one no longer has: the schemas strip keys they do not declare, so a
 * misspelt optional field (`notifycustomer`, `promisedby`) would otherwise be dropped in silence and the request run
 * without it. Compares the two values side by side, iteratively; at most 20 reported.
 */
export function unknownFields(received: unknown, accepted: unknown, root = 'body'): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const stack: [unknown, unknown, string][] = [[received, accepted, root]];
  while (stack.length > 0 && problems.length < 20) {
    const [given, kept, path] = stack.pop() as [unknown, unknown, string];
    if (Array.isArray(given) && Array.isArray(kept) && given.length === kept.length) {
      for (let i = given.length - 1; i >= 0; i -= 1) stack.push([given[i], kept[i], pathOf(path, i)]);
    } else if (isRecord(given) && isRecord(kept)) {
      for (const [key, value] of Object.entries(given)) {
        if (Object.hasOwn(kept, key)) stack.push([value, kept[key], pathOf(path, key)]);
        else
          problems.push({
            path: pathOf(path, key),
            message: UNKNOWN_FIELD,
          });
      }
    }
  }
  return problems;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The byte offset of the first sequence in `bytes` that is not UTF-8 (a single byte at a time is enough to find it). */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    try {
      STRICT_UTF8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return bytes.length;
}

export type TextInput = { ok: true; text: string } | { ok: false; message: string };

/**
 * A body's bytes as text, only when they are UTF-8 (RFC 8259 §8.1: JSON between systems is UTF-8; a form a page of ours
 * posts is too). Node's own decoding turns every byte that is not into U+FFFD in silence: "René" sent in Latin-1 would be
 * stored and printed on a label as "Ren�".
 */
export function utf8Text(bytes: Uint8Array): TextInput {
  try {
    return { ok: true, text: STRICT_UTF8.decode(bytes) };
  } catch {
    return { ok: false, message: `the body is not UTF-8 text (byte ${firstInvalidByte(bytes)} is not UTF-8); send it in UTF-8` };
  }
}

/** The charsets a body may declare: UTF-8, or US-ASCII, which is UTF-8 too. */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * Why a body's declared charset (`Content-Type: application/json; charset=iso-8859-1`) cannot be taken, or undefined: its
 * bytes are read as UTF-8 only, so a body the client says is in another charset would be read as other text than it sent.
 */
export function charsetProblem(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";,\s]*)\1/i.exec(contentType ?? '');
  if (!match) return undefined;
  const charset = (match[2] ?? '').toLowerCase();
  if (UTF8_CHARSETS.has(charset)) return undefined;
  return `charset=${charset.slice(0, 40)} is not accepted: send the body in UTF-8 (charset=utf-8, or no charset)`;
}

/**
 * Why a body's declared content coding (`Content-Encoding: gzip`) cannot be taken, or undefined: bodies are read as sent,
 * never decompressed, so a gzipped document was refused as "byte 1 is not UTF-8", and a plain one labelled gzip was read
 * as the plain text it was said not to be. RFC 9110 §15.5.16: an unsupported coding is a 415.
 */
export function contentCodingProblem(contentEncoding: string | string[] | undefined): string | undefined {
  const codings = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? ''))
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  return `Content-Encoding ${codings.join(', ').slice(0, 40)} is not accepted: send the body uncompressed (no Content-Encoding)`;
}

/** Raw body text to a value, or the reason it is refused (the caller answers 400). */
export function parseJsonInput(text: string, limits: JsonLimits = JSON_LIMITS): JsonInput {
  if (text.trim() === '') return { ok: false, code: 'invalid_json', message: 'the body is empty; send a JSON document' };
  const tooBig = shapeProblem(text, limits);
  if (tooBig) return { ok: false, code: 'validation_failed', message: tooBig, details: [{ path: 'body', message: tooBig }] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the body: only the position is repeated.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    return { ok: false, code: 'invalid_json', message: `the body is not valid JSON${at ? ` (at character ${at})` : ''}` };
  }
  const twice = duplicateKey(text);
  if (twice) return { ok: false, code: 'validation_failed', message: 'the body gives a field more than once', details: [twice] };
  const problems = bodyTextProblems(value);
  if (problems.length > 0)
    return { ok: false, code: 'validation_failed', message: 'the body has text that cannot be accepted', details: problems };
  return { ok: true, value };
}
