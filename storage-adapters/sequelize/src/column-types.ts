import { DataTypes, type ModelAttributeColumnOptions } from "sequelize";
import type { Dialect } from "./connect";

/**
 * Column types of the shared logical schema, per dialect. Ids and texts compare byte-wise on every
 * database so that `ORDER BY event_id` and equality match SQLite: COLLATE "C" on PostgreSQL and a
 * NO PAD binary collation on MySQL/MariaDB (utf8mb4_bin pads, so "a" and "a " would collide).
 */
export interface ColumnTypes {
  /** Ids the SDK sends (max 128 chars). */
  id: string;
  /** User ids (JWT `sub` or SDK user id) and secret hashes. */
  key: string;
  /** Short enumerations: event type, span, secret kind, viewport bucket. */
  short: string;
  /** Hex SHA-256 of a page: long pages cannot be index keys on either database. */
  hash: string;
  /** Unbounded text: paths, pages, JSON documents. */
  text: string;
}

export function columnTypes(dialect: Dialect, binCollation: string): ColumnTypes {
  if (dialect === "pg") {
    return {
      id: 'VARCHAR(128) COLLATE "C"',
      key: 'VARCHAR(255) COLLATE "C"',
      short: 'VARCHAR(32) COLLATE "C"',
      hash: 'CHAR(64) COLLATE "C"',
      text: 'TEXT COLLATE "C"',
    };
  }
  const cs = `CHARACTER SET utf8mb4 COLLATE ${binCollation}`;
  return {
    id: `VARCHAR(128) ${cs}`,
    key: `VARCHAR(255) ${cs}`,
    short: `VARCHAR(32) ${cs}`,
    hash: "CHAR(64) CHARACTER SET ascii COLLATE ascii_bin",
    text: `LONGTEXT ${cs}`,
  };
}

type Col = ModelAttributeColumnOptions;
export const req = (type: string | typeof DataTypes.BIGINT | typeof DataTypes.INTEGER, extra: Partial<Col> = {}): Col => ({
  type: type as Col["type"],
  allowNull: false,
  ...extra,
});
export const opt = (type: string | typeof DataTypes.BIGINT): Col => ({ type: type as Col["type"], allowNull: true });
