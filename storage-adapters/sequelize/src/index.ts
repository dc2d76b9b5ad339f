// Placeholder so the preset compiles; the Sequelize adapter is being written (issue 3).
import type { StorageAdapter } from "@m-software-engineering/heat-collector-kernel";

export interface SequelizeStorageOptions {
  dialect: "pg" | "mysql";
  connectionString: string;
}

export function createSequelizeStorage(options: SequelizeStorageOptions): StorageAdapter {
  throw new Error(`the ${options.dialect} adapter is not available yet`);
}
