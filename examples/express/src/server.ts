/**
 * `npm start`: a collector on an embedded SQLite file, with a demo project registered on first start.
 * Env: PORT (default 3000), SQLITE_FILE (default ./heat-collector.db), LOG_LEVEL (default info).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import express from "express";
import { createCollector, generateSecret, type LogLevel } from "@m-software-engineering/heat-collector";
import { viewer } from "@m-software-engineering/heat-collector-viewer";

const port = Number(process.env.PORT ?? 3000);
const file = process.env.SQLITE_FILE ?? "./heat-collector.db";
const demoFile = `${file}.demo.json`;
const DEMO_PROJECT = "demo";

async function main(): Promise<void> {
  const collector = await createCollector({
    db: { dialect: "sqlite", file },
    auth: { mode: "projectKey" },
    autoMigrate: true,
    logging: { level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? "info" },
    plugins: [viewer()],
  });

  // Secrets are stored hashed; their clear values are kept beside the database for this demo only.
  type Demo = { projectId: string; key: string; readToken: string };
  let demo: Demo | undefined = existsSync(demoFile) ? (JSON.parse(readFileSync(demoFile, "utf8")) as Demo) : undefined;
  if (!demo?.readToken || !(await collector.projects.get(DEMO_PROJECT))) {
    demo = { projectId: DEMO_PROJECT, key: generateSecret("ingest"), readToken: generateSecret("read") };
    await collector.projects.register({ id: DEMO_PROJECT, name: "Demo", key: demo.key, readTokens: [demo.readToken] });
    writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
  }
  const { key: demoKey, readToken } = demo;

  const app = express();
  app.use(collector.router);
  const server = app.listen(port, () => {
    const base = `http://localhost:${port}`;
    const now = Date.now();
    const event = {
      type: "click", eventId: `curl-${now}`, sessionId: "curl-session", ts: now, path: "/",
      viewport: { w: 1280, h: 720 }, device: {}, x: 200, y: 300,
    };
    const body = JSON.stringify({ session: { id: "curl-session" }, events: [event] });
    console.log(`heat-collector listening on ${base} (SQLite file ${file})`);
    console.log(`demo project id:  ${DEMO_PROJECT}`);
    console.log(`demo project key: ${demoKey}`);
    console.log(`demo read token:  ${readToken}`);
    console.log("send an event:");
    console.log(`  curl -s -X POST ${base}/ingest -H 'content-type: application/json' -H 'x-project-key: ${demoKey}' -d '${body}'`);
    console.log("read the click heatmap:");
    console.log(`  curl -s -H 'authorization: Bearer ${readToken}' '${base}/api/projects/${DEMO_PROJECT}/heatmap?type=click'`);
    console.log(`look at it: ${base}/viewer/#project=${DEMO_PROJECT}&token=${readToken}`);
  });

  // Graceful shutdown: stop accepting connections, let the collector answer what is in flight (new
  // requests on open keep-alive connections get 503 shutting_down and Connection: close), close the
  // database, then drop the connections left. A second signal exits at once.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: closing`);
    server.close();
    server.closeIdleConnections();
    collector.close().then(
      () => {
        server.closeAllConnections();
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
