import {
  isCollectorError,
  reject,
  type CollectorError,
  type CollectorPlugin,
  type Identity,
  type IngestContext,
  type JsonObject,
  type KernelApi,
} from "@m-software-engineering/heat-collector-kernel";
import type { JWTPayload } from "jose";
import { createJwtVerifier, readBearer, userIdOf, type JwtOptions, type JwtVerifier } from "./verifier";

export { createJwtVerifier, readBearer, userIdOf, DEFAULT_JWT_ALGORITHMS, type JwtOptions, type JwtVerifier } from "./verifier";

export interface JwtAuthOptions extends JwtOptions {
  /** Claim naming the project the token may send for. Default "projectId". */
  projectClaim?: string;
}

/** The JWT's project claim, the x-project-key's project, or a mismatch between them. */
async function projectFor(kernel: KernelApi, ctx: IngestContext, claims: JWTPayload, claimName: string): Promise<string | CollectorError> {
  const claimed = typeof claims[claimName] === "string" ? (claims[claimName] as string) : undefined;
  const key = ctx.request.headers["x-project-key"];
  if (typeof key === "string" && key.length > 0) {
    const project = await kernel.projects.resolve(key, "ingest");
    if (!project) return reject("invalid_project_key", "This project key does not belong to a registered project, or was revoked.");
    if (claimed !== undefined && claimed !== project.id) return reject("project_mismatch", "The JWT names another project than the project key.");
    return project.id;
  }
  if (claimed === undefined) return reject("missing_project_key", `Send x-project-key, or a JWT with a "${claimName}" claim.`);
  if (!(await kernel.projects.get(claimed))) return reject("invalid_project_key", "The JWT names a project that is not registered.");
  return claimed;
}

/** Verifies the bearer JWT and returns the identity it proves (sub becomes the user id). */
export async function authenticateJwt(kernel: KernelApi, ctx: IngestContext, verify: JwtVerifier, projectClaim: string): Promise<Identity | CollectorError> {
  const token = readBearer(ctx.request.headers.authorization);
  if (!token) return reject("missing_jwt", "Send a JWT as Authorization: Bearer <token>.");
  const claims = await verify(token);
  if (isCollectorError(claims)) return claims;
  const userId = userIdOf(claims);
  if (isCollectorError(userId)) return userId;
  const projectId = await projectFor(kernel, ctx, claims, projectClaim);
  if (isCollectorError(projectId)) return projectId;
  return { projectId, userId, via: "jwt", claims: claims as JsonObject };
}

/** Ingest authenticated by a JWT verified against a remote JWKS (issuer, audience, algorithms). */
export function jwtAuth(options: JwtAuthOptions): CollectorPlugin {
  return {
    name: "auth:jwt",
    apply(kernel) {
      const verify = createJwtVerifier(options);
      const claim = options.projectClaim ?? "projectId";
      kernel.hooks.authenticate.tapPromise("auth:jwt", (ctx) => authenticateJwt(kernel, ctx, verify, claim));
    },
  };
}
