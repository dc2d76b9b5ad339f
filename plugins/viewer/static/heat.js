// Canvas drawing: a point heatmap (click, move) and a scroll-reach map. Colours run from blue (cold)
// through green and yellow to red (hottest), so the hottest spot is the reddest pixel.

/** 256 RGB entries, index = heat 0..255. */
const PALETTE = (() => {
  const c = document.createElement("canvas");
  c.width = 256;
  c.height = 1;
  const ctx = c.getContext("2d");
  const g = ctx.createLinearGradient(0, 0, 256, 0);
  g.addColorStop(0, "rgb(0,0,255)");
  g.addColorStop(0.35, "rgb(0,255,255)");
  g.addColorStop(0.55, "rgb(0,255,0)");
  g.addColorStop(0.8, "rgb(255,255,0)");
  g.addColorStop(1, "rgb(255,0,0)");
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 256, 1);
  return ctx.getImageData(0, 0, 256, 1).data;
})();

export function heatColour(share) {
  const i = Math.max(0, Math.min(255, Math.round(share * 255))) * 4;
  return [PALETTE[i], PALETTE[i + 1], PALETTE[i + 2]];
}

/**
 * Draws `points` ({x, y, value}, page px) as blurred blobs: intensities add up in an alpha-only
 * pass, then each pixel's intensity is mapped through the palette. The busiest cell reaches 1.
 */
export function drawPointHeat(canvas, points, cellSize) {
  const { width, height } = canvas;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  if (points.length === 0) return;
  const max = Math.max(...points.map((p) => p.value));
  const radius = Math.max(26, cellSize * 3.5);
  const acc = document.createElement("canvas");
  acc.width = width;
  acc.height = height;
  const a = acc.getContext("2d");
  a.globalCompositeOperation = "lighter";
  for (const p of points) {
    const g = a.createRadialGradient(p.x, p.y, 0, p.x, p.y, radius);
    g.addColorStop(0, `rgba(0,0,0,${p.value / max})`);
    g.addColorStop(1, "rgba(0,0,0,0)");
    a.fillStyle = g;
    a.fillRect(p.x - radius, p.y - radius, radius * 2, radius * 2);
  }
  const img = a.getImageData(0, 0, width, height);
  const px = img.data;
  for (let i = 0; i < px.length; i += 4) {
    const heat = px[i + 3];
    if (heat === 0) continue;
    const [r, g, b] = heatColour(heat / 255);
    px[i] = r;
    px[i + 1] = g;
    px[i + 2] = b;
    px[i + 3] = Math.min(225, 110 + heat); // visible halo, strong core; the page stays visible
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * Draws the share of sessions that saw each depth of the page: `reach(y)` gives a share 0..1 for
 * page y. Bands are coloured by share and labelled where the share crosses each 10 %.
 */
export function drawScrollReach(canvas, reach) {
  const { width, height } = canvas;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  const band = 4;
  for (let y = 0; y < height; y += band) {
    const [r, g, b] = heatColour(reach(y));
    ctx.fillStyle = `rgba(${r},${g},${b},0.45)`;
    ctx.fillRect(0, y, width, band);
  }
  ctx.font = "bold 14px system-ui, sans-serif";
  let last = 1.01;
  for (let y = 0; y < height; y += band) {
    const share = reach(y);
    const step = Math.floor(share * 10) / 10;
    if (step < Math.floor(last * 10) / 10 || y === 0) {
      ctx.fillStyle = "rgba(29,35,48,0.85)";
      ctx.fillRect(8, y, 132, 1);
      ctx.fillRect(8, y + 2, 132, 20);
      ctx.fillStyle = "#fff";
      ctx.fillText(`${Math.round(share * 100)}% reached here`, 14, y + 17);
    }
    last = share;
  }
}

/** The fold: a dashed line at the median viewport height, labelled with the share that scrolled past it. */
export function drawFold(canvas, y, share) {
  const ctx = canvas.getContext("2d");
  ctx.save();
  ctx.setLineDash([8, 6]);
  ctx.strokeStyle = "#1d2330";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, y);
  ctx.lineTo(canvas.width, y);
  ctx.stroke();
  ctx.font = "bold 13px system-ui, sans-serif";
  ctx.fillStyle = "#1d2330";
  ctx.fillText(`fold (median ${Math.round(y)} px) · ${Math.round(share * 100)} % scrolled below`, 8, y - 6);
  ctx.restore();
}
