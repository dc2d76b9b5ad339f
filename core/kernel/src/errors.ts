/**
 * Errors are values: every failure the collector reports has a stable `code`, an HTTP status and a
 * short title, declared once here. Plugins return (not throw) a CollectorError from bail hooks to
 * reject a request; anything thrown is treated as a bug and becomes `internal_error`.
 */

/** Every stable error code, with its HTTP status and the short `error` title sent to clients. */
export const ERROR_CODES = {
  invalid_json: { status: 400, error: "invalid json" },
  invalid_encoding: { status: 400, error: "invalid encoding" },
  unsupported_media_type: { status: 415, error: "unsupported media type" },
  payload_too_large: { status: 413, error: "payload too large" },
  invalid_payload: { status: 400, error: "invalid payload" },
  missing_project_key: { status: 401, error: "missing project key" },
  invalid_project_key: { status: 401, error: "invalid project key" },
  missing_jwt: { status: 401, error: "missing jwt" },
  invalid_jwt: { status: 401, error: "invalid jwt" },
  jwks_unavailable: { status: 503, error: "jwks unavailable" },
  project_mismatch: { status: 403, error: "project mismatch" },
  origin_not_allowed: { status: 403, error: "origin not allowed" },
  missing_read_token: { status: 401, error: "missing read token" },
  invalid_read_token: { status: 401, error: "invalid read token" },
  forbidden: { status: 403, error: "forbidden" },
  rate_limited: { status: 429, error: "rate limited" },
  invalid_query: { status: 400, error: "invalid query" },
  not_found: { status: 404, error: "not found" },
  internal_error: { status: 500, error: "internal error" },
  storage_unavailable: { status: 503, error: "storage unavailable" },
  shutting_down: { status: 503, error: "shutting down" },
} as const satisfies Record<string, { status: number; error: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  message: string;
  requestId: string;
  details?: unknown;
}

export class CollectorError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  /** Extra response headers, e.g. `Retry-After` on `rate_limited`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "CollectorError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toBody(requestId: string): ErrorBody {
    const body: ErrorBody = { error: ERROR_CODES[this.code].error, code: this.code, message: this.message, requestId };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/** Shorthand used by plugins: `return reject("rate_limited", "...")` from a bail hook. */
export function reject(
  code: ErrorCode,
  message: string,
  options?: { details?: unknown; headers?: Record<string, string> },
): CollectorError {
  return new CollectorError(code, message, options);
}

export function isCollectorError(value: unknown): value is CollectorError {
  return value instanceof CollectorError;
}
