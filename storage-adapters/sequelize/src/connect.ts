import { Sequelize, type Options } from "sequelize";
import { SequelizeStorageError } from "./errors";

export type Dialect = "pg" | "mysql";

export interface ConnectOptions {
  dialect: Dialect;
  connectionString: string;
  /** Receives every SQL statement (default: none). */
  logger?: (sql: string) => void;
  /** Most pooled connections. Default 10. */
  poolMax?: number;
  /** How long a query or write waits for a pooled connection before it fails (ms). A write that
   * fails so is answered 503 storage_unavailable by the kernel. Default 5000. */
  acquireTimeoutMs?: number;
}

const DRIVER: Record<Dialect, string> = { pg: "pg", mysql: "mysql2" };

/** Resolves the optional peer driver up front so a missing one fails with the package to install. */
function requireDriver(dialect: Dialect): object {
  const pkg = DRIVER[dialect];
  try {
    return require(pkg) as object;
  } catch (err) {
    throw new SequelizeStorageError(
      "driver_missing",
      `The ${dialect === "pg" ? "PostgreSQL" : "MySQL/MariaDB"} driver is not installed: run \`npm install ${pkg}\`.`,
      { cause: err },
    );
  }
}

export function connect(options: ConnectOptions): Sequelize {
  if (options.dialect !== "pg" && options.dialect !== "mysql") {
    throw new SequelizeStorageError("invalid_options", `Unknown dialect "${String(options.dialect)}" (expected "pg" or "mysql").`);
  }
  if (!options.connectionString) throw new SequelizeStorageError("invalid_options", "connectionString is required.");
  const dialectModule = requireDriver(options.dialect);
  const config: Options = {
    dialect: options.dialect === "pg" ? "postgres" : "mysql",
    dialectModule,
    logging: options.logger ?? false,
    pool: { max: options.poolMax ?? 10, min: 0, idle: 10_000, acquire: options.acquireTimeoutMs ?? 5000 },
    // Sequelize runs bound queries as prepared statements on mysql2, which caches up to 16,000 per
    // connection by default; reads have few distinct texts, so a small cache bounds memory.
    ...(options.dialect === "mysql" && { dialectOptions: { maxPreparedStatements: 64 } }),
    // Dates are never stored as DATE columns; keep the session time zone neutral anyway.
    timezone: "+00:00",
  };
  return new Sequelize(options.connectionString, config);
}
