import { isCollectorError, reject, type CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";
import { authenticateProjectKey, type ProjectKeyAuthOptions } from "@m-software-engineering/heat-collector-auth-project-key";
import { createJwtVerifier, readBearer, userIdOf, type JwtAuthOptions } from "@m-software-engineering/heat-collector-auth-jwt";

export type KeyAndJwtAuthOptions = JwtAuthOptions & ProjectKeyAuthOptions;

/**
 * A project key is required; a JWT is optional, but when one is sent it must verify, and its `sub`
 * becomes the user id. A JWT naming another project (projectClaim) is refused.
 */
export function keyAndJwtAuth(options: KeyAndJwtAuthOptions): CollectorPlugin {
  return {
    name: "auth:both",
    apply(kernel) {
      const verify = createJwtVerifier(options);
      const claim = options.projectClaim ?? "projectId";
      kernel.hooks.authenticate.tapPromise("auth:both", async (ctx) => {
        const identity = await authenticateProjectKey(kernel, ctx, options);
        if (isCollectorError(identity)) return identity;
        const header = ctx.request.headers.authorization;
        if (header === undefined) return identity;
        const token = readBearer(header);
        if (!token) return reject("invalid_jwt", "Authorization must be 'Bearer <jwt>'.");
        const claims = await verify(token);
        if (isCollectorError(claims)) return claims;
        const named = claims[claim];
        if (typeof named === "string" && named !== identity.projectId) {
          return reject("project_mismatch", "The JWT names another project than the project key.");
        }
        const userId = userIdOf(claims);
        if (isCollectorError(userId)) return userId;
        return { ...identity, userId, via: "project-key+jwt" };
      });
    },
  };
}
