import { cellGx, cellGy, decodeTile, TILE_SIDE } from "./tile-codec";

/** A tile to sum: its row and column in the grid of tiles, and its encoded cells. */
export type TileRow = readonly [ty: number, tx: number, cells: Uint8Array];

/** Tiles decoded between two yields to the event loop, so a cheap request never waits behind a whole heatmap. */
const TILES_PER_STEP = 256;
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Largest grid summed in a dense array (8 MB); wider spreads of tiles use a map. */
const DENSE_CELLS = 1 << 20;

/**
 * Sums the tiles' cells into cells of k × k and answers the non-empty ones as packed [cx, cy, n]
 * triples, in row-major order. Usually in a dense array over the tiles' bounding box: no
 * allocation per cell, so a read leaves little garbage; a box larger than DENSE_CELLS (samples
 * scattered over a huge page) falls back to a map. Shared by every adapter that stores tiles
 * (tile-codec.ts).
 */
export async function sumTileCells(tiles: readonly TileRow[], k: number): Promise<Float64Array> {
  if (tiles.length === 0) return new Float64Array(0);
  let [minTx, minTy, maxTx, maxTy] = [Infinity, Infinity, -1, -1];
  for (const [ty, tx] of tiles) {
    minTx = Math.min(minTx, tx);
    maxTx = Math.max(maxTx, tx);
    minTy = Math.min(minTy, ty);
    maxTy = Math.max(maxTy, ty);
  }
  const x0 = Math.floor((minTx * TILE_SIDE) / k);
  const y0 = Math.floor((minTy * TILE_SIDE) / k);
  const cols = Math.floor(((maxTx + 1) * TILE_SIDE - 1) / k) - x0 + 1;
  const rowCount = Math.floor(((maxTy + 1) * TILE_SIDE - 1) / k) - y0 + 1;
  if (cols * rowCount <= DENSE_CELLS) {
    const grid = new Float64Array(cols * rowCount);
    for (let at = 0; at < tiles.length; at++) {
      if (at % TILES_PER_STEP === TILES_PER_STEP - 1) await yieldToEventLoop();
      const [ty, tx, blob] = tiles[at]!;
      decodeTile(blob, (i, n) => {
        grid[(Math.floor(cellGy(ty, i) / k) - y0) * cols + Math.floor(cellGx(tx, i) / k) - x0]! += n;
      });
    }
    let filled = 0;
    for (let at = 0; at < grid.length; at++) if (grid[at]! > 0) filled++;
    const out = new Float64Array(filled * 3);
    let o = 0;
    for (let at = 0; at < grid.length; at++) {
      if (grid[at]! === 0) continue;
      out[o++] = x0 + (at % cols);
      out[o++] = y0 + Math.floor(at / cols);
      out[o++] = grid[at]!;
    }
    return out;
  }
  const grid = new Map<number, number>();
  for (let at = 0; at < tiles.length; at++) {
    if (at % TILES_PER_STEP === TILES_PER_STEP - 1) await yieldToEventLoop();
    const [ty, tx, blob] = tiles[at]!;
    decodeTile(blob, (i, n) => {
      const key = (Math.floor(cellGy(ty, i) / k) - y0) * cols + Math.floor(cellGx(tx, i) / k) - x0;
      grid.set(key, (grid.get(key) ?? 0) + n);
    });
  }
  const out = new Float64Array(grid.size * 3);
  let o = 0;
  for (const key of [...grid.keys()].sort((a, b) => a - b)) {
    out[o++] = x0 + (key % cols);
    out[o++] = y0 + Math.floor(key / cols);
    out[o++] = grid.get(key)!;
  }
  return out;
}
