// Allocation profile of a collector process, collected objects included (Node's --heap-prof keeps only
// the survivors): `BENCH_EXTRA_ARGV="--require=$PWD/bench/src/alloc-profile.cjs" node bench/src/cost-per-event.mjs`.
// Samples every 32 KB allocated from 3 s after start (past start-up) until SIGTERM, then writes the
// profile to ALLOC_OUT (default /tmp/alloc.json); read it with `node bench/src/alloc-top.mjs <file>`.
const inspector = require("node:inspector");
const fs = require("node:fs");

const session = new inspector.Session();
session.connect();
setTimeout(() => {
  session.post("HeapProfiler.startSampling", { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}, 3000).unref();
process.prependListener("SIGTERM", () => {
  session.post("HeapProfiler.stopSampling", (err, r) => {
    if (!err) fs.writeFileSync(process.env.ALLOC_OUT || "/tmp/alloc.json", JSON.stringify(r.profile));
  });
});
