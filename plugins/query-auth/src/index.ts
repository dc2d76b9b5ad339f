import {
  hashSecret,
  isCollectorError,
  reject,
  type CollectorError,
  type CollectorPlugin,
  type KernelApi,
  type QueryContext,
  type QueryPrincipal,
} from "@m-software-engineering/heat-collector-kernel";
import { createJwtVerifier, readBearer, type JwtOptions } from "@m-software-engineering/heat-collector-auth-jwt";

export interface QueryAuthOptions {
  /** Also accept JWTs (verified like ingest JWTs) whose `projectsClaim` lists readable projects. */
  jwt?: JwtOptions & {
    /** Claim holding the project ids the token may read (array of strings, or "*"). Default "heat_projects". */
    projectsClaim?: string;
  };
  /** Tokens that may read every project, /api/metrics and erase users. Kept only as hashes in memory. */
  adminTokens?: string[];
}

function jwtLooking(token: string): boolean {
  return token.split(".").length === 3;
}

/**
 * Authenticated reads: `Authorization: Bearer <token>` where the token is a project read token
 * (registry, kind "read"), an admin token, or a JWT naming the projects it may read. Anything else
 * is refused; a principal only sees its own projects (the kernel answers 404 for the others).
 */
export function queryAuth(options: QueryAuthOptions = {}): CollectorPlugin {
  const admins = new Set((options.adminTokens ?? []).map(hashSecret));
  return {
    name: "query-auth",
    apply(kernel: KernelApi) {
      const verify = options.jwt ? createJwtVerifier(options.jwt) : undefined;
      const claim = options.jwt?.projectsClaim ?? "heat_projects";
      kernel.hooks.authorizeQuery.tapPromise("query-auth", async (ctx: QueryContext): Promise<QueryPrincipal | CollectorError> => {
        const header = ctx.request.headers.authorization;
        if (header === undefined) return reject("missing_read_token", "Send a read token as Authorization: Bearer <token>.");
        const token = readBearer(header);
        if (!token || token.length > 8192) return reject("invalid_read_token", "Authorization must be 'Bearer <token>'.");
        if (admins.has(hashSecret(token))) return { projects: "*", via: "admin-token" };
        const project = await kernel.projects.resolve(token, "read");
        if (project) return { projects: [project.id], via: "read-token" };
        if (verify && jwtLooking(token)) {
          const claims = await verify(token);
          if (isCollectorError(claims)) return claims;
          const named = claims[claim];
          if (named === "*") return { projects: "*", via: "jwt" };
          if (Array.isArray(named) && named.every((p): p is string => typeof p === "string")) return { projects: named, via: "jwt" };
          return reject("forbidden", `The JWT has no "${claim}" claim listing readable projects.`);
        }
        return reject("invalid_read_token", "This read token is unknown or revoked.");
      });
    },
  };
}

/** Reads open to anyone who can reach the collector: for trusted networks only. Warns at start. */
export function openQueries(): CollectorPlugin {
  return {
    name: "query-auth:open",
    apply(kernel) {
      kernel.hooks.startup.tap("query-auth:open", () =>
        kernel.logger.warn("query APIs are open (queryAuth: false): anyone who reaches this collector can read every project"),
      );
      kernel.hooks.authorizeQuery.tap("query-auth:open", () => ({ projects: "*", via: "open" }));
    },
  };
}
