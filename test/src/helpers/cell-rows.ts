import type { RollupCellGroup } from "@m-software-engineering/heat-collector-kernel";

/** A cell of a rollup read, one object each: how tests compare the packed groups adapters answer. */
export interface CellRow {
  bucket: string;
  type: string;
  cx: number;
  cy: number;
  n: number;
}

/** Unpacks `rollupCells` groups into rows, in the groups' order. */
export function cellRows(groups: readonly RollupCellGroup[]): CellRow[] {
  const rows: CellRow[] = [];
  for (const { bucket, type, cells } of groups) {
    for (let i = 0; i < cells.length; i += 3) rows.push({ bucket, type, cx: cells[i]!, cy: cells[i + 1]!, n: cells[i + 2]! });
  }
  return rows;
}
