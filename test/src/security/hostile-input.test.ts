import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

/** One hostile body whose envelope is unusable: the status and code it must get. README's table lists the same rows. */
interface HostileCase {
  name: string;
  body: string | Buffer;
  contentType?: string;
  status: number;
  code: string;
}

/**
 * One hostile event inside a good envelope, sent before a good click: the batch is answered 200 and
 * the good click stored; the hostile event is refused alone, or stored normalised. README's table
 * lists the same rows.
 */
interface HostileEventCase {
  name: string;
  /** The event as sent (a raw JSON fragment where JSON.stringify cannot produce it). */
  event: unknown;
  raw?: (json: string) => string;
  outcome: "rejected" | "normalized";
  /** For normalised events: the stored value of `field`. */
  check?: (stored: Record<string, unknown>) => void;
}

const s = new SdkSession("hostile");
const click = () => s.click(10, 20);
const wrap = (events: unknown[]) => JSON.stringify({ session: { id: s.sessionId }, events });
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

const CASES: HostileCase[] = [
  { name: "malformed JSON", body: '{"session": {"id": "x"}, "events": [', status: 400, code: "invalid_json" },
  { name: "not an object (JSON array)", body: "[1,2,3]", status: 400, code: "invalid_payload" },
  { name: "a bare JSON string", body: '"hello"', status: 400, code: "invalid_json" },
  { name: "wrong content type (form)", body: "session=1", contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type" },
  { name: "wrong content type (multipart)", body: "--x\r\n\r\n--x--", contentType: "multipart/form-data; boundary=x", status: 415, code: "unsupported_media_type" },
  { name: "too many events", body: wrap(Array.from({ length: 501 }, click)), status: 400, code: "invalid_payload" },
  { name: "an empty batch", body: wrap([]), status: 400, code: "invalid_payload" },
  { name: "no session id", body: JSON.stringify({ session: {}, events: [click()] }), status: 400, code: "invalid_payload" },
  { name: "events not an array", body: JSON.stringify({ session: { id: s.sessionId }, events: { 0: click() } }), status: 400, code: "invalid_payload" },
  { name: "NUL in the session id", body: JSON.stringify({ session: { id: "a\u0000b" }, events: [click()] }), status: 400, code: "invalid_payload" },
  { name: "deep nesting as the whole body", body: nested(100_000), status: 400, code: "invalid_payload" },
  { name: "deep nesting in an unknown envelope field", body: wrap([click()]).replace(/^{/, `{"extra":${nested(5000)},`), status: 400, code: "invalid_payload" },
  { name: "NaN", body: wrap([click()]).replace('"x":10', '"x":NaN'), status: 400, code: "invalid_json" },
  { name: "Infinity", body: wrap([click()]).replace('"x":10', '"x":Infinity'), status: 400, code: "invalid_json" },
  { name: "invalid UTF-8 bytes", body: Buffer.concat([Buffer.from(wrap([click()]).slice(0, 30)), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), status: 400, code: "invalid_encoding" },
  { name: "body over the limit (Content-Length)", body: wrap([{ ...click(), pad: "x".repeat(1_100_000) }]), status: 413, code: "payload_too_large" },
];

const EVENT_CASES: HostileEventCase[] = [
  {
    name: "huge string (path over 2048)",
    event: { ...click(), path: "/pricing?q=" + "a".repeat(5000) + "#top" },
    outcome: "normalized",
    check: (e) => {
      expect(e.path).to.have.length(2048);
      expect(e.path).to.match(/^\/pricing\?q=a+\u2026$/);
      expect((e.meta as { normalized: unknown }).normalized).to.deep.equal({ "/path": { cutFrom: 5015 } });
    },
  },
  {
    name: "huge string (selector over 4096)",
    event: { ...click(), selector: "div ".repeat(2000) },
    outcome: "normalized",
    check: (e) => {
      expect(e.selector).to.have.length(4096);
      expect((e.meta as { normalized: unknown }).normalized).to.deep.equal({ "/selector": { cutFrom: 8000 } });
    },
  },
  {
    name: "NUL character in a string",
    event: { ...click(), selector: "a\u0000b" },
    outcome: "normalized",
    check: (e) => expect(e.selector).to.equal("a\ufffdb"),
  },
  {
    name: "unpaired surrogate in a string",
    event: { ...click(), path: "/\\ud800x" },
    raw: (json) => json.replace("\\\\ud800", "\\ud800"),
    outcome: "normalized",
    check: (e) => expect(e.path).to.equal("/\ufffdx"),
  },
  { name: "deep nesting in props", event: { ...s.custom("x"), props: JSON.parse(`{"a":${'{"a":'.repeat(40)}1${"}".repeat(40)}}`) }, outcome: "rejected" },
  { name: "deep nesting in an unknown event field", event: { ...click(), extra: JSON.parse(nested(50)) }, outcome: "rejected" },
  { name: "negative timestamp", event: { ...click(), ts: -5 }, outcome: "rejected" },
  { name: "huge timestamp (1e300)", event: { ...click(), ts: 1e300 }, outcome: "rejected" },
  { name: "huge coordinate (1e12)", event: { ...click(), x: 1e12 }, outcome: "rejected" },
  { name: "negative coordinate (-1e7)", event: { ...click(), y: -1e7 }, outcome: "rejected" },
  { name: "fractional timestamp", event: { ...click(), ts: 1.5 }, outcome: "rejected" },
  { name: "wrong type for a field", event: { ...click(), viewport: "big" }, outcome: "rejected" },
  { name: "unknown event type", event: { ...click(), type: "hover" }, outcome: "rejected" },
  { name: "an event id over 128 characters", event: { ...click(), eventId: "e".repeat(200) }, outcome: "rejected" },
  { name: "NUL in an event id", event: { ...click(), eventId: "e\u0000" }, outcome: "rejected" },
  { name: "not an object", event: 42, outcome: "rejected" },
];

const post = (c: TestCollector) => request(c.app).post("/ingest").set("x-project-key", PROJECT.key);

describe("hostile input: an unusable envelope gets a 4xx with a stable code; one hostile event costs only itself", () => {
  let c: TestCollector;
  /** Event ids the good events and the normalised ones were stored under. */
  const expected = new Set<string>();
  before(async () => {
    c = await startCollector();
  });
  after(() => c.close());

  for (const hc of CASES) {
    it(`${hc.name} → ${hc.status} ${hc.code}`, async () => {
      const res = await post(c)
        .set("content-type", hc.contentType ?? "application/json")
        .serialize((b: string | Buffer) => b as string)
        .send(hc.body as string);
      expect(res.status, JSON.stringify(res.body)).to.equal(hc.status);
      expect(res.body.code).to.equal(hc.code);
    });
  }

  it("a body over the limit sent chunked, without Content-Length → 413 payload_too_large", async () => {
    const res = await new Promise<request.Response>((resolve, reject) => {
      const r = post(c).set("content-type", "application/json").set("transfer-encoding", "chunked");
      for (let i = 0; i < 12; i++) r.write("x".repeat(100_000));
      r.end((err, res) => (res ? resolve(res) : reject(err)));
    });
    expect([res.status, res.body.code]).to.deep.equal([413, "payload_too_large"]);
  });

  it("nothing from any refused request was stored", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    expect(res.body.events).to.deep.equal([]);
  });

  for (const hc of EVENT_CASES) {
    it(`${hc.name}, next to a good click → 200, ${hc.outcome === "rejected" ? "refused alone (rejected: 1)" : "stored normalised"}`, async () => {
      const good = click();
      const json = wrap([hc.event, good]);
      const res = await post(c)
        .set("content-type", "application/json")
        .send(hc.raw ? hc.raw(json) : json);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.rejected).to.equal(hc.outcome === "rejected" ? 1 : 0);
      expect(res.body.stored).to.equal(hc.outcome === "rejected" ? 1 : 2);
      expected.add(good.eventId);
      if (hc.outcome === "rejected") {
        expect(res.body.rejections).to.have.length(1);
        expect(res.body.rejections[0]).to.include({ index: 0, code: "invalid_event" });
        expect(res.body.rejections[0].path).to.match(/^\/events\/0/);
        return;
      }
      expect(res.body.normalized).to.equal(1);
      const id = (hc.event as { eventId: string }).eventId;
      expected.add(id);
      const stored = await request(c.app).get(`/api/projects/${PROJECT.id}/events?sessionId=${s.sessionId}&limit=1000`).expect(200);
      const e = stored.body.events.find((x: { eventId: string }) => x.eventId === id);
      expect(e, `event ${id} stored`).to.not.equal(undefined);
      hc.check?.(e);
    });
  }

  it("the store holds exactly the good events and the normalised ones, each once", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/events?limit=1000`).expect(200);
    expect(res.body.events.map((e: { eventId: string }) => e.eventId).sort()).to.deep.equal([...expected].sort());
  });

  it("nesting is refused from one level past the limit: props nesting 8 levels (objects, then an array) are stored, 9 refused (in the same batch)", async () => {
    const nest = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels - 1)}[1]${"}".repeat(levels - 1)}`);
    const atLimit = { ...s.custom("depth-8"), props: nest(8) };
    const over = { ...s.custom("depth-9"), props: nest(9) };
    const res = await post(c).set("content-type", "application/json").send(wrap([atLimit, over]));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect([res.body.stored, res.body.rejected]).to.deep.equal([1, 1]);
    expect(res.body.rejections[0]).to.include({ index: 1, code: "invalid_event", path: "/events/1/props" });
    const stored = await request(c.app).get(`/api/projects/${PROJECT.id}/events?sessionId=${s.sessionId}&limit=1000`).expect(200);
    const kept = stored.body.events.find((x: { eventId: string }) => x.eventId === atLimit.eventId);
    expect(kept?.props).to.deep.equal(atLimit.props);
  });

  it("__proto__ and constructor keys are plain data: stored as sent, nothing polluted", async () => {
    const e = { ...s.custom("proto"), props: JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') };
    const withProtoField = JSON.parse(JSON.stringify(click()).replace("{", '{"__proto__":{"polluted":"yes"},'));
    const body = `{"__proto__":{"polluted":"yes"},"session":{"id":"${s.sessionId}"},"events":[${JSON.stringify(e)},${JSON.stringify(withProtoField)}]}`;
    const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").send(body);
    expect(res.status).to.equal(200);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    const events = await request(c.app).get(`/api/projects/${PROJECT.id}/events?limit=1000`).expect(200);
    const byId = (id: string) => events.body.events.find((x: { eventId: string }) => x.eventId === id);
    const custom = byId(e.eventId);
    expect(Object.keys(custom.props)).to.have.members(["__proto__", "constructor"]);
    const clickBack = byId(withProtoField.eventId);
    expect(Object.prototype.hasOwnProperty.call(clickBack, "__proto__")).to.equal(true);
  });

  it("SQL and HTML in paths and selectors are stored and returned verbatim, as JSON", async () => {
    const path = "/x'; DROP TABLE events; --<script>alert(1)</script>";
    const selector = `a[href="'); DELETE FROM sessions; --"] > <img src=x onerror=alert(1)>`;
    const e = s.click(1, 2, path, selector);
    await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([e])).expect(200);
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/events?type=click&path=${encodeURIComponent(path)}`).expect(200);
    expect(res.headers["content-type"]).to.match(/^application\/json/);
    expect(res.headers["x-content-type-options"]).to.equal("nosniff");
    expect(res.body.events.map((x: { path: string; selector: string }) => [x.path, x.selector])).to.deep.include([path, selector]);
    await request(c.app).get(`/api/projects/${PROJECT.id}/sessions`).expect(200);
  });

  it("the collector still serves after all of it", async () => {
    const ok = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([click()])).expect(200);
    expect(ok.body.stored).to.equal(1);
  });
});
