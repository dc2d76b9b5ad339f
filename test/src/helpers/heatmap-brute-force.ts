/** The documented heatmap rule, computed by brute force over the raw clicks. */
export function expectedClicks(clicks: Array<{ x: number; y: number; ts: number }>, from: number, to: number, resolution: number, w: number) {
  const cell = Math.max(1, Math.round(w / resolution / 8)) * 8;
  const columns = Math.ceil(w / cell);
  const grid = new Map<string, number>();
  for (const c of clicks) {
    if (c.ts < from || c.ts > to) continue;
    const key = `${Math.min(columns - 1, Math.floor(c.x / cell))},${Math.floor(c.y / cell)}`;
    grid.set(key, (grid.get(key) ?? 0) + 1);
  }
  return [...grid.entries()]
    .map(([k, value]) => {
      const [cx, cy] = k.split(",").map(Number) as [number, number];
      return { x: cx * cell + cell / 2, y: cy * cell + cell / 2, value };
    })
    .sort((a, b) => a.y - b.y || a.x - b.x);
}
