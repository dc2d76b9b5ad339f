import type { CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";
import { SqliteStorage, type SqliteStorageOptions } from "./sqlite-storage";

export { SqliteStorage, type SqliteStorageOptions };
export { MIGRATIONS } from "./migrations";

/** The adapter as a plugin: `kernel.use(sqliteStorage({ file }))` registers it as the one store. */
export function sqliteStorage(options: SqliteStorageOptions): CollectorPlugin {
  return { name: "storage:sqlite", apply: (kernel) => kernel.registerStorage(new SqliteStorage(options)) };
}
