import { spawn, execFile, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { tempDir } from "../helpers/collector";
import { freePort } from "../platform/support/example-process";

const sh = promisify(execFile);

describe("npm start (examples/express): the printed curl lines work as printed", () => {
  const tmp = tempDir();
  let child: ChildProcess | undefined;
  let output = "";
  after(() => {
    child?.kill("SIGTERM");
    tmp.cleanup();
  });

  it("starts on SQLite, registers the demo project, and its curl lines ingest and read", async () => {
    const port = await freePort();
    child = spawn(process.execPath, [require.resolve("heat-collector-example-express/dist/server.js")], {
      env: { ...process.env, PORT: String(port), SQLITE_FILE: join(tmp.dir, "demo.db"), LOG_LEVEL: "warn" },
    });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    const started = Date.now();
    while (!output.includes("/heatmap?type=click") && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
    const lines = output.split("\n").map((l) => l.trim());
    expect(lines.find((l) => l.startsWith("demo project id:"))).to.equal("demo project id:  demo");
    const ingest = lines.find((l) => l.startsWith("curl -s -X POST"))!;
    const read = lines.find((l) => l.includes("/heatmap?type=click"))!;
    const sent = JSON.parse((await sh("sh", ["-c", ingest])).stdout);
    expect(sent).to.include({ ok: true, projectId: "demo", stored: 1 });
    const heat = JSON.parse((await sh("sh", ["-c", read])).stdout);
    expect(heat.meta).to.include({ total: 1, plotted: 1 });
    expect(heat.points).to.deep.equal([{ x: 204, y: 300, value: 1 }]);
  });
});
