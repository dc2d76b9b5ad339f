/**
 * Heat tiles: the rollup's 8 px cells grouped into squares of TILE_SIDE × TILE_SIDE cells, one
 * row per tile and period instead of one row per cell and period. A tile's counts are stored as a
 * sparse blob: for each non-zero cell, one byte (its index inside the tile) and the count as an
 * unsigned LEB128 varint. A dense 16 × 16 tile of small counts takes 512 bytes; a tile an hour of
 * traffic touched in three cells takes 6. Both storage adapters store tiles in this encoding.
 */
export const TILE_SIDE = 16;
export const TILE_CELLS = TILE_SIDE * TILE_SIDE;
const SHIFT = 4; // log2(TILE_SIDE)
const MASK = TILE_SIDE - 1;
/** tx stays below this: coordinates are at most 1e8 px, so gx < 12.5e6 and tx < 781,250. */
const TX_LIMIT = 1 << 20;

/** A tile's position in the grid of tiles, packed in one number for map keys. */
export const tileKey = (gx: number, gy: number): number => (gy >> SHIFT) * TX_LIMIT + (gx >> SHIFT);
export const tileX = (key: number): number => key % TX_LIMIT;
export const tileY = (key: number): number => Math.floor(key / TX_LIMIT);
/** The cell's index inside its tile. */
export const cellIndex = (gx: number, gy: number): number => ((gy & MASK) << SHIFT) | (gx & MASK);
export const cellGx = (tx: number, index: number): number => tx * TILE_SIDE + (index & MASK);
export const cellGy = (ty: number, index: number): number => ty * TILE_SIDE + (index >> SHIFT);

const scratch = Buffer.alloc(TILE_CELLS * 9);

/** Encodes the non-zero counts of a dense tile (counts are whole numbers below 2^53). */
export function encodeTile(counts: ArrayLike<number>): Buffer {
  let at = 0;
  for (let i = 0; i < TILE_CELLS; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    scratch[at++] = i;
    at = putVarint(scratch, at, n);
  }
  return Buffer.from(scratch.subarray(0, at));
}

/** Calls `cell(index, count)` for each non-zero cell of an encoded tile, in index order. */
export function decodeTile(blob: Uint8Array, cell: (index: number, count: number) => void): void {
  const r = new VarintReader(blob);
  while (r.at < blob.length) {
    const index = blob[r.at++]!;
    cell(index, r.next());
  }
}

/**
 * Reads unsigned LEB128 varints (values below 2^53) from `at` on. A cursor rather than a
 * [value, next] pair per value: heatmap reads decode ~100k varints, and the pairs were garbage.
 */
export class VarintReader {
  constructor(
    readonly blob: Uint8Array,
    public at = 0,
  ) {}

  next(): number {
    const blob = this.blob;
    let at = this.at;
    let n = 0;
    let scale = 1;
    let b: number;
    do {
      b = blob[at++]!;
      n += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b & 0x80);
    this.at = at;
    return n;
  }
}

/** Writes `n` (a whole number below 2^53) as an unsigned LEB128 varint at `at`; returns the next offset. */
export function putVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

/** The sum of two encoded tiles, encoded: a merge of two index-ordered lists, no dense pass. */
export function addTiles(a: Uint8Array, b: Uint8Array): Buffer {
  const ra = new VarintReader(a);
  const rb = new VarintReader(b);
  let at = 0;
  while (ra.at < a.length || rb.at < b.length) {
    const ia = ra.at < a.length ? a[ra.at]! : TILE_CELLS;
    const ib = rb.at < b.length ? b[rb.at]! : TILE_CELLS;
    let n = 0;
    if (ia <= ib) {
      ra.at++;
      n += ra.next();
    }
    if (ib <= ia) {
      rb.at++;
      n += rb.next();
    }
    scratch[at++] = Math.min(ia, ib);
    at = putVarint(scratch, at, n);
  }
  return Buffer.from(scratch.subarray(0, at));
}
