import { createHash } from "node:crypto";

/**
 * A session's key in the unique-visitor rows: the first 52 bits of the MD5 of its id, a whole
 * number every database stores and compares as an integer (counting distinct integers costs about
 * half what counting distinct 36-character ids does). Two of n sessions in one cell share a key
 * with probability below n² / 2^53: under 10^-8 for 10,000 sessions. PostgreSQL and MySQL compute
 * the same key from the same MD5 in migrations.
 */
export function sessionKey(sessionId: string): number {
  return parseInt(createHash("md5").update(sessionId, "utf8").digest("hex").slice(0, 13), 16);
}
