// @ts-check
/** Event-loop stall probe: how long a cheap request waits while heavy ones keep the server busy. */
import { percentile, sleep, timedGet } from "./common.mjs";

/**
 * Two clients loop on `heavyUrl` while a third GETs `cheapUrl` every 20 ms for `seconds` (at least
 * 5 times). Returns the cheap request's p50/p99/max in ms and how many heavy requests were served.
 * @param {string} heavyUrl
 * @param {string} cheapUrl
 * @param {number} seconds
 */
export async function stallProbe(heavyUrl, cheapUrl, seconds) {
  let running = true;
  const heavyLoop = async () => {
    let n = 0;
    for (; running; n++) await timedGet(heavyUrl);
    return n;
  };
  const loops = [heavyLoop(), heavyLoop()];
  const cheap = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until || cheap.length < 5) {
    cheap.push((await timedGet(cheapUrl)).ms);
    await sleep(20);
  }
  running = false;
  const heatmapsServed = (await Promise.all(loops)).reduce((a, b) => a + b, 0);
  const sorted = [...cheap].sort((a, b) => a - b);
  return { n: cheap.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], heatmapsServed };
}
