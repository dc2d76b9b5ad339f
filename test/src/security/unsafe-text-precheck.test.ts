import { expect } from "chai";
import fc from "fast-check";
import { mayHoldUnsafeText } from "@m-software-engineering/heat-collector-kernel/dist/http/body";

/** NUL or a surrogate not part of a pair: the text the ingest check refuses. */
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function holdsUnsafe(v: unknown): boolean {
  if (typeof v === "string") return UNSAFE.test(v);
  if (v === null || typeof v !== "object") return false;
  return Object.entries(v).some(([k, child]) => UNSAFE.test(k) || holdsUnsafe(child));
}

describe("ingest: the raw-body pre-check for NUL and lone surrogates", () => {
  it("never clears a body whose parsed strings or keys hold such text", () => {
    // Strings over every UTF-16 code unit, so NUL, lone and paired surrogates, control characters all occur.
    const text = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 });
    const body = fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 3 })), { maxKeys: 4 });
    fc.assert(
      fc.property(body, (value) => {
        const raw = Buffer.from(JSON.stringify(value), "utf8");
        const parsed = JSON.parse(raw.toString("utf8")) as unknown;
        if (holdsUnsafe(parsed)) expect(mayHoldUnsafeText(raw), raw.toString("utf8")).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("clears an ordinary SDK body, and flags escapes of NUL and surrogates in either case", () => {
    expect(mayHoldUnsafeText(Buffer.from(JSON.stringify({ events: [{ path: "/é?q=\\n", selector: "a.b" }] })))).to.equal(false);
    for (const esc of ["\\u0000", "\\ud800", "\\uDC00", "\\uDbFf"]) expect(mayHoldUnsafeText(Buffer.from(`{"a":"x${esc}"}`)), esc).to.equal(true);
    expect(mayHoldUnsafeText(Buffer.from(`{"a":"\\u00e9\\u0001"}`))).to.equal(false);
  });
});
