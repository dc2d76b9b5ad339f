/**
 * A collector with two home-made plugins (bot-filter.ts, release-tag.ts) passed to createCollector.
 * Env: PORT (default 3000), SQLITE_FILE (default ./custom-plugin.db), RELEASE (default "dev").
 */
import express from "express";
import { createCollector } from "@m-software-engineering/heat-collector";
import { botFilter } from "./bot-filter";
import { releaseTag } from "./release-tag";

// Demo secrets only: real ones come from `generateSecret` and stay out of source control.
export const PROJECT = { id: "plugin-demo", key: "hk_plugin_demo_key_0123456789abcdef", readTokens: ["hr_plugin_demo_read_0123456789abcdef"] };

async function main(): Promise<void> {
  const collector = await createCollector({
    db: { dialect: "sqlite", file: process.env.SQLITE_FILE ?? "./custom-plugin.db" },
    auth: { mode: "projectKey" },
    projects: [PROJECT],
    logging: { level: "warn" },
    plugins: [botFilter(), releaseTag(process.env.RELEASE ?? "dev")],
  });
  const app = express();
  app.use(collector.router);
  const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
    console.log(`heat-collector with plugins ${collector.kernel.plugins.join(", ")} listening on http://127.0.0.1:${process.env.PORT ?? 3000}`);
  });
  const stop = () => {
    server.close();
    void collector.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
