/**
 * What the derived-click suites (rage clicks, unique visitors) share: a session whose clicks happen
 * at given offsets on one page, posting them as the SDK does, and the per-store answers compared
 * once every store ran.
 */
import { expect } from "chai";
import type { StorageAdapter } from "@m-software-engineering/heat-collector";
import request from "supertest";
import type { Express } from "express";
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { requireService } from "../helpers/services";
import { SdkSession } from "../helpers/sdk";
import { TARGETS, type Store } from "./stores";

/** A session (SDK id `id`) whose clicks on `page` happen at offsets (ms) from `start`. */
export class ClickSession {
  readonly sdk: SdkSession;
  constructor(
    id: string,
    readonly page: string,
    private readonly start: number,
    private readonly selector: string,
    viewport?: { w: number; h: number; dpr: number },
  ) {
    this.sdk = new SdkSession(id, start, viewport);
  }
  click(at: number, x: number, y: number, page = this.page): IngestEvent {
    return { ...this.sdk.click(x, y, page, this.selector), ts: this.start + at };
  }
  /** A batch of `events`, its session's start and last-seen times theirs. */
  batch(events: IngestEvent[]): IngestPayload {
    const p = this.sdk.payload(events);
    const times = events.map((e) => e.ts);
    return { ...p, session: { ...p.session, startedAt: Math.min(...times), lastSeenAt: Math.max(...times) } };
  }
}

export const ingest = (app: Express, payload: IngestPayload) =>
  request(app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").send(JSON.stringify(payload)).expect(200);

/** Each store's answers, by name, checked alike by `describeIdenticalAnswers` once all stores ran. */
export type Answers = Map<string, Record<string, unknown>>;

/** A suite that compares every store's answers with the first's; `keys`: how many answers each store must give. */
export function describeIdenticalAnswers(title: string, answers: Answers, keys: (n: number) => void): void {
  describe(title, () => {
    it("answers alike", function () {
      const [ref, ...others] = [...answers.entries()];
      if (!ref || others.length === 0) this.skip();
      for (const [name, seen] of others) expect(JSON.stringify(seen), `${name} vs ${ref![0]}`).to.equal(JSON.stringify(ref![1]));
      keys(Object.keys(ref![1]).length);
    });
  });
}

/** What a suite on one store reaches: its collector's app, its adapter, and the answers it records. */
export interface StoreSuite {
  readonly app: Express;
  readonly storage: StorageAdapter;
  readonly seen: Record<string, unknown>;
}

/**
 * `body` once per store, each on a fresh database with a collector over it; the answers recorded in
 * `seen` go to `answers` (under the store's name) when the store's suite ends.
 */
export function describeOnEveryStore(title: string, answers: Answers, body: (s: StoreSuite) => void): void {
  for (const target of TARGETS) {
    describe(`${title}: ${target.name}`, function () {
      this.timeout(60_000);
      let store: Store | undefined;
      let c: TestCollector | undefined;
      let storage: StorageAdapter | undefined;
      const seen: Record<string, unknown> = {};

      before(async function () {
        if (target.service) await requireService(this, target.service.name, target.service.probe);
        store = await target.setUp();
        storage = store.adapter();
        c = await startCollector({ storage });
      });
      after(async () => {
        await c?.close();
        await store?.tearDown();
        if (Object.keys(seen).length > 0) answers.set(target.name, seen);
      });

      body({
        get app() {
          return c!.app;
        },
        get storage() {
          return storage!;
        },
        seen,
      });
    });
  }
}
