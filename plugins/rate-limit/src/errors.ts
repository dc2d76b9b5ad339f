/** Stable codes for the rate-limit plugin's configuration failures (thrown by rateLimit() and createCollector). */
export type RateLimitErrorCode = "invalid_options" | "redis_client_missing";

export class RateLimitError extends Error {
  override readonly name = "RateLimitError";
  constructor(
    readonly code: RateLimitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
