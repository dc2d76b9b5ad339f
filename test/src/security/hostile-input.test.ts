import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

/** One hostile class: what is sent, and the status and code it must get. README's table lists the same rows. */
interface HostileCase {
  name: string;
  body: string | Buffer;
  contentType?: string;
  status: number;
  code: string;
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
  { name: "huge string (path over 2048)", body: wrap([{ ...click(), path: "/" + "a".repeat(5000) }]), status: 400, code: "invalid_payload" },
  { name: "huge string (selector over 4096)", body: wrap([{ ...click(), selector: "div ".repeat(2000) }]), status: 400, code: "invalid_payload" },
  { name: "deep nesting in props", body: wrap([{ ...s.custom("x"), props: JSON.parse(`{"a":${"{\"a\":".repeat(40)}1${"}".repeat(40)}}`) }]), status: 400, code: "invalid_payload" },
  {
    name: "deep nesting in an unknown field",
    body: wrap([click()]).replace(/}\]}$/, `,"extra":${nested(5000)}}]}`),
    status: 400,
    code: "invalid_payload",
  },
  { name: "deep nesting as the whole body", body: nested(100_000), status: 400, code: "invalid_payload" },
  { name: "NaN", body: wrap([click()]).replace('"x":10', '"x":NaN'), status: 400, code: "invalid_json" },
  { name: "Infinity", body: wrap([click()]).replace('"x":10', '"x":Infinity'), status: 400, code: "invalid_json" },
  { name: "negative timestamp", body: wrap([{ ...click(), ts: -5 }]), status: 400, code: "invalid_payload" },
  { name: "huge timestamp (1e300)", body: wrap([{ ...click(), ts: 1e300 }]), status: 400, code: "invalid_payload" },
  { name: "huge coordinate (1e12)", body: wrap([{ ...click(), x: 1e12 }]), status: 400, code: "invalid_payload" },
  { name: "negative coordinate (-1e7)", body: wrap([{ ...click(), y: -1e7 }]), status: 400, code: "invalid_payload" },
  { name: "fractional timestamp", body: wrap([{ ...click(), ts: 1.5 }]), status: 400, code: "invalid_payload" },
  { name: "wrong type for a field", body: wrap([{ ...click(), viewport: "big" }]), status: 400, code: "invalid_payload" },
  { name: "unknown event type", body: wrap([{ ...click(), type: "hover" }]), status: 400, code: "invalid_payload" },
  { name: "NUL character in a string", body: wrap([{ ...click(), selector: "a\u0000b" }]), status: 400, code: "invalid_payload" },
  { name: "unpaired surrogate in a string", body: wrap([{ ...click(), path: "/\\ud800x" }]).replace("\\\\ud800", "\\ud800"), status: 400, code: "invalid_payload" },
  { name: "invalid UTF-8 bytes", body: Buffer.concat([Buffer.from(wrap([click()]).slice(0, 30)), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), status: 400, code: "invalid_encoding" },
  { name: "body over the limit (Content-Length)", body: wrap([{ ...click(), pad: "x".repeat(1_100_000) }]), status: 413, code: "payload_too_large" },
];

describe("hostile input: every class gets a 4xx with a stable code, nothing is stored, the process lives", () => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector();
  });
  after(() => c.close());

  for (const hc of CASES) {
    it(`${hc.name} → ${hc.status} ${hc.code}`, async () => {
      const res = await request(c.app)
        .post("/ingest")
        .set("x-project-key", PROJECT.key)
        .set("content-type", hc.contentType ?? "application/json")
        .serialize((b: string | Buffer) => b as string)
        .send(hc.body as string);
      expect(res.status, JSON.stringify(res.body)).to.equal(hc.status);
      expect(res.body.code).to.equal(hc.code);
    });
  }

  it("a body over the limit sent chunked, without Content-Length → 413 payload_too_large", async () => {
    const res = await new Promise<request.Response>((resolve, reject) => {
      const r = request(c.app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").set("transfer-encoding", "chunked");
      for (let i = 0; i < 12; i++) r.write("x".repeat(100_000));
      r.end((err, res) => (res ? resolve(res) : reject(err)));
    });
    expect([res.status, res.body.code]).to.deep.equal([413, "payload_too_large"]);
  });

  it("nothing from any refused request was stored", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    expect(res.body.events).to.deep.equal([]);
  });

  it("__proto__ and constructor keys are plain data: stored as sent, nothing polluted", async () => {
    const e = { ...s.custom("proto"), props: JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') };
    const withProtoField = JSON.parse(JSON.stringify(click()).replace("{", '{"__proto__":{"polluted":"yes"},'));
    const body = `{"__proto__":{"polluted":"yes"},"session":{"id":"${s.sessionId}"},"events":[${JSON.stringify(e)},${JSON.stringify(withProtoField)}]}`;
    const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").send(body);
    expect(res.status).to.equal(200);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    const events = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    const custom = events.body.events.find((x: { type: string }) => x.type === "custom");
    expect(Object.keys(custom.props)).to.have.members(["__proto__", "constructor"]);
    const clickBack = events.body.events.find((x: { type: string }) => x.type === "click");
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
