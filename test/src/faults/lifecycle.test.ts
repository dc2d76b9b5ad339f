/**
 * Lifecycle on the embedded store, in process: the probes, and close() as a load balancer sees it
 * (in-flight batches finish and are stored; new ones get 503 shutting_down; readyz turns 503 first).
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { expect } from "chai";
import type { CollectorPlugin } from "@m-software-engineering/heat-collector";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { SdkSession } from "../helpers/sdk";

/** An onBeforeInsert tap that holds every batch until released: a request provably in flight. */
function holdBatches(): { plugin: CollectorPlugin; entered: Promise<void>; release: () => void } {
  let entered!: () => void;
  let release!: () => void;
  const enteredP = new Promise<void>((r) => (entered = r));
  const released = new Promise<void>((r) => (release = r));
  const plugin: CollectorPlugin = {
    name: "test:hold",
    apply: (kernel) =>
      kernel.hooks.onBeforeInsert.tapPromise("test:hold", async (payload) => {
        entered();
        await released;
        return payload;
      }),
  };
  return { plugin, entered: enteredP, release };
}

describe("lifecycle: /healthz, /readyz and a close() that drains", () => {
  let tc: TestCollector;
  let server: Server;
  let base: string;
  const held = holdBatches();

  before(async () => {
    tc = await startCollector({ plugins: [held.plugin] });
    server = tc.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await tc.close();
  });

  const post = (body: unknown) =>
    fetch(`${base}/ingest`, { method: "POST", headers: { "content-type": "application/json", "x-project-key": PROJECT.key }, body: JSON.stringify(body) });

  it("healthz and readyz answer 200 without credentials, uncached", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: "ready", storage: tc.collector.kernel.storage.name });
    expect(ready.headers.get("cache-control")).to.equal("no-store");
  });

  it("close(): the batch in flight is stored and answered 200; new ingests and readyz get 503 shutting_down; then it resolves", async () => {
    const s = new SdkSession("drain");
    const inFlight = post(s.payload([s.click(10, 20), s.click(30, 40)]));
    await held.entered;

    let closed = false;
    const closing = tc.collector.close().then(() => (closed = true));

    const late = await post(s.payload([s.click(50, 60)]));
    expect(late.status).to.equal(503);
    expect(late.headers.get("retry-after")).to.equal("1");
    expect(late.headers.get("connection")).to.equal("close");
    expect(((await late.json()) as { code: string }).code).to.equal("shutting_down");

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(503);
    expect(((await ready.json()) as { code: string }).code).to.equal("shutting_down");
    expect((await fetch(`${base}/healthz`)).status, "alive while draining").to.equal(200);

    await new Promise((r) => setTimeout(r, 100));
    expect(closed, "close() waits for the batch in flight").to.equal(false);
    held.release();
    const answered = await inFlight;
    expect(answered.status).to.equal(200);
    expect(((await answered.json()) as { stored: number }).stored).to.equal(2);
    await closing;
    expect(closed).to.equal(true);
  });
});
