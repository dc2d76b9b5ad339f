import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { reject, type CollectorError } from "@m-software-engineering/heat-collector-kernel";

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Accepted signing algorithms. Default: RS256 and ES256 (never "none", never HMAC). */
  algorithms?: string[];
  /** How long fetched keys are trusted before a refresh (ms). Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** JWKS fetch timeout (ms). Default 3000. */
  timeoutMs?: number;
  /** Allowed clock skew for exp/nbf (seconds). Default 5. */
  clockToleranceSec?: number;
}

export const DEFAULT_JWT_ALGORITHMS = ["RS256", "ES256"];

/** Token problems: the client's fault (401). Anything else while verifying means the JWKS failed. */
const TOKEN_ERRORS = new Set<string>([
  errors.JWTExpired.code,
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

export type JwtVerifier = (token: string) => Promise<JWTPayload | CollectorError>;

/** A verifier over a remote JWKS (jose caches it, with a refetch cooldown). */
export function createJwtVerifier(options: JwtOptions): JwtVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.timeoutMs ?? 3_000,
  });
  const algorithms = options.algorithms ?? DEFAULT_JWT_ALGORITHMS;
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSec ?? 5,
      });
      return payload;
    } catch (err) {
      const code = err instanceof errors.JOSEError ? err.code : undefined;
      if (code && TOKEN_ERRORS.has(code)) {
        return reject("invalid_jwt", "The JWT was refused.", { details: { reason: code, claim: (err as { claim?: string }).claim } });
      }
      return reject("jwks_unavailable", "The JWT could not be verified: its key set is unreachable.", { details: { reason: code ?? "fetch_failed" } });
    }
  };
}

/** What a user id may be in every store: 1..128 characters, none of them control characters. */
const USABLE_SUB = /^[^\u0000-\u001f\u007f\ud800-\udfff]{1,128}$/;

/**
 * The user id a verified token vouches for: its `sub`, or null when it has none. A `sub` no store
 * can keep faithfully is refused rather than cut.
 */
export function userIdOf(claims: JWTPayload): string | null | CollectorError {
  if (claims.sub === undefined) return null;
  if (typeof claims.sub !== "string" || !USABLE_SUB.test(claims.sub)) {
    return reject("invalid_jwt", "The JWT's sub must be 1 to 128 printable characters.", { details: { reason: "unusable_sub" } });
  }
  return claims.sub;
}

/** The bearer token of an Authorization header, if any. */
export function readBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}
