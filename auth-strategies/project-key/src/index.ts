import {
  hashSecret,
  reject,
  type CollectorError,
  type CollectorPlugin,
  type Identity,
  type IngestContext,
  type KernelApi,
} from "@m-software-engineering/heat-collector-kernel";

export const PROJECT_KEY_HEADER = "x-project-key";

export interface ProjectKeyAuthOptions {
  /**
   * Development only: register a project the first time an unknown key is seen, instead of
   * answering 401. Logs a warning at start and at every creation.
   */
  autoCreateProjects?: boolean;
}

/** The project key a request carries, if any (a single, non-empty header of sane length). */
export function readProjectKey(ctx: IngestContext): string | undefined {
  const v = ctx.request.headers[PROJECT_KEY_HEADER];
  return typeof v === "string" && v.length > 0 && v.length <= 256 ? v : undefined;
}

/** Resolves the request's project key to an Identity, or the error to answer with. */
export async function authenticateProjectKey(kernel: KernelApi, ctx: IngestContext, options: ProjectKeyAuthOptions = {}): Promise<Identity | CollectorError> {
  const key = readProjectKey(ctx);
  if (key === undefined) return reject("missing_project_key", `Send the project key in the ${PROJECT_KEY_HEADER} header.`);
  const project = await kernel.projects.resolve(key, "ingest");
  if (project) return { projectId: project.id, userId: null, via: "project-key" };
  if (options.autoCreateProjects) {
    const id = `auto-${hashSecret(key).slice(0, 12)}`;
    await kernel.projects.register({ id, key, name: id });
    kernel.logger.warn("autoCreateProjects: registered a project for an unknown key (development only)", { projectId: id });
    return { projectId: id, userId: null, via: "project-key" };
  }
  return reject("invalid_project_key", "This project key does not belong to a registered project, or was revoked.");
}

/** Ingest authenticated by `x-project-key`, which must belong to a registered project. */
export function projectKeyAuth(options: ProjectKeyAuthOptions = {}): CollectorPlugin {
  return {
    name: "auth:project-key",
    apply(kernel) {
      if (options.autoCreateProjects) {
        kernel.hooks.startup.tap("auth:project-key", () =>
          kernel.logger.warn("autoCreateProjects is on: any key creates a project. Never use this in production."),
        );
      }
      kernel.hooks.authenticate.tapPromise("auth:project-key", (ctx) => authenticateProjectKey(kernel, ctx, options));
    },
  };
}
