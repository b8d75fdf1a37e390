import * as v from 'valibot';

/**
 * How the files a user brings are checked at the boundary: a valibot schema per file kind, and one way to say what
 * is wrong, naming the file, the field (as a path into the file) and what is allowed.
 */

export class InputError extends Error {}

function pathOf(issue: v.BaseIssue<unknown>, prefix: string): string {
  const parts = v.getDotPath(issue);
  return [prefix, parts].filter(Boolean).join('.') || '(top level)';
}

function received(issue: v.BaseIssue<unknown>): string {
  const r = issue.received;
  return r.length > 60 ? `${r.slice(0, 60)}…` : r;
}

/** "file: field: expected …, got …" for the first few issues. */
export function describeIssues(file: string, issues: readonly v.BaseIssue<unknown>[], max = 3, prefix = ''): string {
  const lines = issues
    .slice(0, max)
    .map((i) => (i.expected === 'never' ? `${pathOf(i, prefix)}: is not a known field` : `${pathOf(i, prefix)}: expected ${i.expected ?? (i.type === 'finite' ? 'a finite number' : i.type)}, got ${received(i)}`));
  const more = issues.length > max ? ` (and ${issues.length - max} more)` : '';
  return `${file}: ${lines.join('; ')}${more}`;
}

/** Parses `value` with `schema`, or throws InputError naming the file and the fields. */
export function parseWith<S extends v.GenericSchema>(schema: S, value: unknown, file: string, Err: new (m: string) => Error = InputError): v.InferOutput<S> {
  const r = v.safeParse(schema, value);
  if (!r.success) throw new Err(describeIssues(file, r.issues));
  return r.output;
}

/** JSON.parse, or an error naming the file and where it breaks (instead of a bare SyntaxError). */
export function parseJson(text: string, file: string, Err: new (m: string) => Error = InputError): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Err(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A finite number (not NaN, not ±Infinity). */
export const finite = v.pipe(v.number(), v.finite());
/** A whole number from lo to hi. */
export const int = (lo: number, hi: number) => v.pipe(v.number(), v.integer(), v.minValue(lo), v.maxValue(hi));

/** The first non-finite value of a float array, as (row, column) of `dim`-wide rows; undefined when all are finite. */
export function firstNonFinite(values: ArrayLike<number>, dim: number): { row: number; column: number; value: number } | undefined {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) return { row: Math.floor(i / dim), column: i % dim, value: x };
  }
  return undefined;
}

const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * The text with every bidirectional control character replaced by a visible [U+XXXX] mark, so that a name like
 * "invoice\u202Egpj.exe" cannot read as "invoiceexe.jpg" wherever it is shown.
 */
export function markBidi(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}
