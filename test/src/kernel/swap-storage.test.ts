import { expect } from "chai";
import request from "supertest";
import { SqliteStorage } from "@m-software-engineering/heat-collector-storage-sqlite";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, tempDir } from "../helpers/collector";

describe("swapping storage through the public API (config.storage)", () => {
  it("a second adapter instance on another file serves the same API, and holds its own data", async () => {
    const tmp = tempDir();
    const a = await startCollector({ storage: new SqliteStorage({ file: `${tmp.dir}/a.db` }) });
    const b = await startCollector({ storage: new SqliteStorage({ file: `${tmp.dir}/b.db` }) });
    try {
      const s = new SdkSession("swap");
      await request(a.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(1, 1), s.click(2, 2)])).expect(200);
      await request(b.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(3, 3)])).expect(200);
      const countIn = async (app: typeof a.app) => (await request(app).get(`/api/projects/${PROJECT.id}/events`).expect(200)).body.events.length;
      expect(await countIn(a.app)).to.equal(2);
      expect(await countIn(b.app)).to.equal(1);
      expect(a.collector.kernel.storage).to.not.equal(b.collector.kernel.storage);
    } finally {
      await a.close();
      await b.close();
      tmp.cleanup();
    }
  });
});
