import type { StorageAdapter } from "@m-software-engineering/heat-collector";
import { requireService } from "../helpers/services";
import { TARGETS, type Store } from "../conformance/stores";

/**
 * Declares `suite` once per store of the conformance targets (SQLite, PostgreSQL, MariaDB), each
 * on a fresh database. `adapter()` gives a new adapter on it. DB suites skip outside CI when the
 * server is down, and fail under CI=true.
 */
export function onEveryStore(title: string, suite: (adapter: () => StorageAdapter) => void): void {
  for (const target of TARGETS) {
    describe(`${title} [${target.name}]`, function () {
      let store: Store | undefined;
      before(async function () {
        if (target.service) await requireService(this, target.service.name, target.service.probe);
        store = await target.setUp();
      });
      after(async () => {
        await store?.tearDown();
      });
      suite(() => {
        if (!store) throw new Error("store not set up");
        return store.adapter();
      });
    });
  }
}
