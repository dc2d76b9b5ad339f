import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createCollector, type Collector, type CollectorPlugin, type ProjectDefinition } from "@m-software-engineering/heat-collector";

export interface LiveCollector {
  collector: Collector;
  port: number;
  origin: string;
  /** Stops listening, drops open connections and closes the database. */
  stop(): Promise<void>;
}

function listen(app: express.Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, "127.0.0.1", () => resolve(server));
    server.once("error", reject);
  });
}

/** A collector on a real port (0: any free one) over the SQLite file `file`. */
export async function startLiveCollector(opts: {
  file: string;
  port?: number;
  projects: ProjectDefinition[];
  plugins?: CollectorPlugin[];
  /** false opens reads; by default they need the project's read tokens. */
  queryAuth?: false;
}): Promise<LiveCollector> {
  const collector = await createCollector({
    db: { dialect: "sqlite", file: opts.file },
    auth: { mode: "projectKey" },
    logging: { level: "error" },
    ingestion: { rateLimit: false },
    projects: opts.projects,
    ...(opts.plugins && { plugins: opts.plugins }),
    ...(opts.queryAuth === false && { queryAuth: false as const }),
  });
  const app = express();
  app.use(collector.router);
  const server = await listen(app, opts.port ?? 0).catch(async (err: unknown) => {
    await collector.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  return {
    collector,
    port,
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await collector.close();
    },
  };
}
