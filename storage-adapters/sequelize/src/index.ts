import type { CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";
import { SequelizeStorage, type SequelizeStorageOptions } from "./sequelize-storage";

export { SequelizeStorage, type SequelizeStorageOptions };
export type { GroupCommitOptions } from "./group-commit";
export { SequelizeStorageError, type SequelizeStorageErrorCode } from "./errors";
export { MIGRATIONS, runMigrations } from "./migrations";
export type { Dialect } from "./connect";

/** The adapter the preset builds for `db: { dialect: "pg" | "mysql", connectionString }`. */
export function createSequelizeStorage(options: SequelizeStorageOptions): SequelizeStorage {
  return new SequelizeStorage(options);
}

/** The adapter as a plugin: `kernel.use(sequelizeStorage({ dialect, connectionString }))`. */
export function sequelizeStorage(options: SequelizeStorageOptions): CollectorPlugin {
  return { name: `storage:sequelize-${options.dialect}`, apply: (kernel) => kernel.registerStorage(new SequelizeStorage(options)) };
}
