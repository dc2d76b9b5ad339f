/** Stable codes for the failures this adapter reports itself (database errors pass through). */
export type SequelizeStorageErrorCode = "driver_missing" | "invalid_options" | "migration_failed" | "write_failed";

export class SequelizeStorageError extends Error {
  override readonly name = "SequelizeStorageError";
  constructor(
    readonly code: SequelizeStorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
