import { isUtf8 } from "node:buffer";
import express, { type Request, type Response } from "express";
import { CollectorError } from "../errors";

/** JSON bodies, or text/plain holding JSON (what navigator.sendBeacon sends). */
const ACCEPTED_TYPES = ["application/json", "application/*+json", "text/plain"];

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
export function createJsonBodyReader(limit: number): (req: Request, res: Response) => Promise<unknown> {
  const parse = express.json({
    limit,
    strict: true,
    type: () => true,
    verify: (_req, _res, buf) => {
      if (!isUtf8(buf)) throw new CollectorError("invalid_encoding", "Request body is not valid UTF-8.");
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
    return new Promise((resolve, reject) => {
      parse(req, res, (err?: unknown) => (err ? reject(toCollectorError(err, limit)) : resolve(req.body)));
    });
  };
}
