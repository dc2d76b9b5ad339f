/**
 * One collector process for the multi-instance suites, forked by instances.ts. Its config comes as
 * JSON in HC_INSTANCE (an InstanceConfig); it listens on a free port of 127.0.0.1 and sends
 * `{ type: "listening", port }` over IPC. On `{ type: "close" }` it closes the server and the
 * collector and lets the process end by itself: an exit proves close() released every socket.
 * A test-only admin route revokes a secret through this instance's registry.
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { createCollector } from "@m-software-engineering/heat-collector";
import { jetstreamBuffer } from "@m-software-engineering/heat-collector-jetstream";
import type { InstanceConfig, InstanceMessage } from "./protocol";

async function main(): Promise<void> {
  const config = JSON.parse(process.env.HC_INSTANCE ?? "null") as InstanceConfig | null;
  if (!config) throw new Error("HC_INSTANCE is not set");
  const collector = await createCollector({
    db: { dialect: config.dialect, connectionString: config.connectionString },
    auth: { mode: "projectKey" },
    logging: { level: "error" },
    ingestion: { rateLimit: config.rateLimit },
    queryAuth: false,
    projects: config.projects,
    ...(config.storageTimeoutMs !== undefined && { timeouts: { storageMs: config.storageTimeoutMs } }),
    ...(config.jetstream && { plugins: [jetstreamBuffer(config.jetstream)] }),
  });
  const app = express();
  app.set("trust proxy", false);
  app.post("/test-admin/revoke", express.json(), async (req, res) => {
    res.json({ revoked: await collector.projects.revokeSecret(String(req.body.secret)) });
  });
  app.use(collector.router);
  const server = app.listen(0, "127.0.0.1", () => {
    const message: InstanceMessage = { type: "listening", port: (server.address() as AddressInfo).port };
    process.send?.(message);
  });
  process.on("message", (message: { type?: string }) => {
    if (message.type !== "close") return;
    server.closeAllConnections();
    server.close();
    void collector.close().then(() => process.disconnect());
  });
}

main().catch((err: unknown) => {
  const message: InstanceMessage = { type: "failed", error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  process.send?.(message, () => process.exit(1));
});
