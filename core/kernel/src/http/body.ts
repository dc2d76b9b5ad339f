import { isUtf8 } from "node:buffer";
import express, { type Request, type Response } from "express";
import { CollectorError } from "../errors";

/** JSON bodies, or text/plain holding JSON (what navigator.sendBeacon sends). */
const ACCEPTED_TYPES = ["application/json", "application/*+json", "text/plain"];

/** A parsed body, and whether its raw text could hold NUL or unpaired surrogates (see mayHoldUnsafeText). */
export interface JsonBody {
  body: unknown;
  mayHoldUnsafeText: boolean;
}

const ESCAPE_U = Buffer.from("\\u");
const isHex8toF = (c: number | undefined) => c !== undefined && ((c >= 0x38 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46));

/**
 * False when the raw JSON cannot parse into a string holding NUL or an unpaired surrogate. In valid
 * UTF-8 JSON such characters can only come from a `\u0000` or `\uD800`-`\uDFFF` escape (a raw NUL
 * is invalid JSON, and UTF-8 cannot encode surrogates), so a body without those escapes needs no
 * walk over its strings; one with them (an escaped backslash before a "u" included) gets the walk.
 */
export function mayHoldUnsafeText(raw: Buffer): boolean {
  for (let i = raw.indexOf(ESCAPE_U); i !== -1; i = raw.indexOf(ESCAPE_U, i + 2)) {
    const [a, b, c, d] = [raw[i + 2], raw[i + 3], raw[i + 4], raw[i + 5]];
    if (a === 0x30 && b === 0x30 && c === 0x30 && d === 0x30) return true;
    if ((a === 0x64 || a === 0x44) && isHex8toF(b)) return true;
  }
  return false;
}

interface BodyParserError {
  type?: string;
  status?: number;
}

function toCollectorError(err: unknown, limit: number): CollectorError {
  if (err instanceof CollectorError) return err;
  const type = (err as BodyParserError).type;
  switch (type) {
    case "entity.too.large":
      return new CollectorError("payload_too_large", `Request body exceeds ${limit} bytes.`, { details: { limit } });
    case "entity.parse.failed":
      return new CollectorError("invalid_json", "Request body is not valid JSON.");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new CollectorError("unsupported_media_type", "Unsupported content encoding or charset.");
    case "request.aborted":
    case "request.size.invalid":
      return new CollectorError("invalid_json", "Request body was incomplete.");
    default:
      return new CollectorError("invalid_json", "Request body could not be read.");
  }
}

/**
 * Reads and parses a JSON body with body-parser (via express.json), bounded by `limit` whether or
 * not a Content-Length is sent, refusing invalid UTF-8 instead of silently replacing it.
 */
export function createJsonBodyReader(limit: number): (req: Request, res: Response) => Promise<JsonBody> {
  const unsafe = new WeakMap<object, boolean>();
  const parse = express.json({
    limit,
    strict: true,
    type: () => true,
    verify: (req, _res, buf) => {
      if (!isUtf8(buf)) throw new CollectorError("invalid_encoding", "Request body is not valid UTF-8.");
      unsafe.set(req, mayHoldUnsafeText(buf));
    },
  });
  return (req, res) => {
    if (!req.is(ACCEPTED_TYPES)) {
      return Promise.reject(
        new CollectorError("unsupported_media_type", "Send the batch as application/json.", {
          details: { contentType: req.headers["content-type"] ?? null },
        }),
      );
    }
    // An app-level parser ran first and drained the stream (NestJS's on Express 5, whose body-parser 2
    // leaves no `_body` flag for ours to see): take what it parsed; the text walk runs (unknown raw).
    if (req.readableEnded && req.body !== undefined) return Promise.resolve({ body: req.body as unknown, mayHoldUnsafeText: true });
    return new Promise((resolve, reject) => {
      parse(req, res, (err?: unknown) => (err ? reject(toCollectorError(err, limit)) : resolve({ body: req.body, mayHoldUnsafeText: unsafe.get(req) ?? true })));
    });
  };
}
