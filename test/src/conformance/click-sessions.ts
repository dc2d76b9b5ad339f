/**
 * What the derived-click suites (rage clicks, unique visitors) share: a session whose clicks happen
 * at given offsets on one page, posting them as the SDK does, and the per-store answers compared
 * once every store ran.
 */
import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";
import { PROJECT } from "../helpers/collector";
import { SdkSession } from "../helpers/sdk";

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
