import type { CollectorConfig } from "@m-software-engineering/heat-collector";

/**
 * The collector's config, from the environment so the same build runs in CI and on a laptop.
 * Env: SQLITE_FILE (default ./heat-tracker.db), PROJECT_KEY, READ_TOKEN, ALLOWED_ORIGIN.
 * Demo secrets only: real ones come from `generateSecret` and stay out of source control.
 */
export function collectorConfig(): CollectorConfig {
  const origin = process.env.ALLOWED_ORIGIN;
  return {
    db: { dialect: "sqlite", file: process.env.SQLITE_FILE ?? "./heat-tracker.db" },
    auth: { mode: "projectKey" },
    logging: { level: "warn" },
    projects: [
      {
        id: "nest-demo",
        key: process.env.PROJECT_KEY ?? "hk_nest_demo_key_0123456789abcdef",
        readTokens: [process.env.READ_TOKEN ?? "hr_nest_demo_read_0123456789abcdef"],
        ...(origin !== undefined && { allowedOrigins: [origin] }),
      },
    ],
  };
}
