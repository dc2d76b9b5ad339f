/**
 * Viewport buckets ("1300x700": the SDK's own, or the viewport rounded to 100 px) as widths: the
 * width range filter and the width bands of the heatmap meta compare the bucket's width, the only
 * width the heat counts keep.
 */

export interface Viewport {
  w: number;
  h: number;
}

const DEFAULT_VIEWPORT: Viewport = { w: 1280, h: 720 };

/** The bucket's viewport; the default one for no bucket (an empty project) or an unreadable one. */
export function bucketViewport(bucket: string | null): Viewport {
  if (!bucket) return DEFAULT_VIEWPORT;
  const [w, h] = bucket.split("x").map(Number);
  return w && h ? { w, h } : DEFAULT_VIEWPORT;
}

export interface WidthRange {
  widthMin?: number;
  widthMax?: number;
}

export function widthInRange(bucket: string, r: WidthRange): boolean {
  const { w } = bucketViewport(bucket);
  return (r.widthMin === undefined || w >= r.widthMin) && (r.widthMax === undefined || w <= r.widthMax);
}

/** Phones, tablets and small laptops, desktops: the usual responsive breakpoints. */
const WIDTH_BANDS: ReadonlyArray<{ band: string; below: number }> = [
  { band: "<768", below: 768 },
  { band: "768-1279", below: 1280 },
  { band: ">=1280", below: Infinity },
];

/** Samples per width band, every band present (in order), from samples per bucket. */
export function widthBands(perBucket: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(WIDTH_BANDS.map((b) => [b.band, 0]));
  for (const [bucket, n] of Object.entries(perBucket)) {
    const { w } = bucketViewport(bucket);
    const band = WIDTH_BANDS.find((b) => w < b.below)!.band;
    out[band]! += n;
  }
  return out;
}
