/**
 * Binds of the PostgreSQL hot path: array literals for `unnest` built in one pass, and texts or
 * byte strings packed into one binary bind.
 *
 * Array literals.
 *
 * node-postgres turns an array bind into the same literal text, but element by element with string
 * concatenation and two regex replaces per element: under ingest that was a fifth of everything the
 * collector allocated (~5 KB per stored event), and the garbage collector's time with it. The wire
 * format and what the server parses are unchanged: a literal is what the driver sent before.
 */

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** An element as the driver writes it: quoted text (quotes and backslashes escaped), or NULL. */
function element(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString("hex")}`;
  const text = typeof v === "string" ? v : String(v);
  return `"${NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, "\\$&") : text}"`;
}

/** Whether the driver's own conversion is needed: an element that is not a scalar, a Buffer or null. */
const isPlain = (v: unknown): boolean =>
  v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || Buffer.isBuffer(v);

/**
 * The literal of a one-dimensional array, or the array itself when an element is of another kind
 * (a nested array, a Date, an object), which the driver then converts as it always has.
 */
export function pgArrayLiteral(values: readonly unknown[]): string | readonly unknown[] {
  if (values.length === 0) return "{}";
  let strings = true;
  let numbers = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "string") strings = false;
    if (typeof v !== "number" || !Number.isFinite(v)) numbers = false;
    if (!strings && !numbers && !isPlain(v)) return values;
  }
  if (numbers) return `{${values.join(",")}}`;
  if (strings) {
    // One join for the whole column unless some element holds a quote or a backslash.
    const texts = values as readonly string[];
    if (!texts.some((t) => NEEDS_ESCAPE.test(t))) return `{"${texts.join('","')}"}`;
  }
  return `{${values.map(element).join(",")}}`;
}

/** The binds of a statement, with every array bind as its literal. */
export function withArrayLiterals(params: readonly unknown[] | undefined): unknown[] | undefined {
  if (params === undefined) return undefined;
  return params.map((p) => (Array.isArray(p) ? pgArrayLiteral(p) : p));
}

/**
 * Rows of a multi-row statement turned column-wise, one array per column, for PostgreSQL's
 * `unnest($1::t[], $2::u[], …)`: one bind per column whatever the row count. `width` is the row
 * length, so that no rows still gives every column (empty).
 */
export function unnestColumns(rows: ReadonlyArray<readonly unknown[]>, width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < width; c++) columns[c]![r] = row[c];
  }
  return columns;
}

/** One binary bind and each part's 1-based byte offset and length, for `substring(blob FROM o FOR l)`. */
export interface PackedBind {
  blob: Buffer;
  offsets: number[];
  lengths: number[];
}

function offsetsOf(lengths: readonly number[]): number[] {
  const offsets = new Array<number>(lengths.length);
  let at = 1;
  for (let i = 0; i < lengths.length; i++) {
    offsets[i] = at;
    at += lengths[i]!;
  }
  return offsets;
}

/**
 * Texts packed into one binary bind: node-postgres sends a Buffer as it is, where a text[] bind is
 * an array literal whose every quote (of a JSON document, say) is escaped and parsed back. Cut out
 * with convert_from(substring(...), 'UTF8').
 */
export function packTexts(texts: readonly string[]): PackedBind {
  const joined = texts.join("");
  const blob = Buffer.from(joined);
  // As many bytes as UTF-16 units only when every character is ASCII (any other takes more bytes than units).
  const lengths = blob.length === joined.length ? texts.map((t) => t.length) : texts.map((t) => Buffer.byteLength(t));
  return { blob, offsets: offsetsOf(lengths), lengths };
}

/**
 * Byte strings (tiles, journal bodies) packed into one binary bind: a bytea[] bind is a literal of
 * hex text, twice the bytes, written by the driver and decoded by the server.
 */
export function packBuffers(buffers: readonly Buffer[]): PackedBind {
  const lengths = buffers.map((b) => b.length);
  return { blob: Buffer.concat(buffers), offsets: offsetsOf(lengths), lengths };
}
