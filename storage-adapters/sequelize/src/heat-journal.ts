import { forEachSample, HOUR_MS, type EventType, type StoredEvent } from "@m-software-engineering/heat-collector-kernel";
import { scrollOf } from "@m-software-engineering/heat-collector-kernel/dist/heat/scroll";
import { cellIndex, putVarint, TILE_CELLS, tileKey, tileX, tileY, VarintReader } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";

/**
 * A heat journal entry: the samples of one group transaction's new events in one project, as
 * hour-level tiles per dimension (page, bucket, type). One row per project and group instead of a
 * row per cell and span; the fold derives days and months from the hour.
 *
 * Encoding (all integers unsigned LEB128, strings as byte length + UTF-8):
 *   dims: count, then per dim page, bucket, type
 *   records: count, then per (dim, hour) the dim's index, zigzag(hour), n, max gy, tile count,
 *   and per tile ty, tx, byte length and the tile's cells in the tile codec's encoding.
 *   clicks (absent in bodies written before rage clicks): count, then per session with new clicks
 *   its id, first ts (ts is never negative), last ts − first ts: where the fold re-derives rage clicks.
 *   activity (absent before trend lines): count, then per (session, page, bucket, hour) the
 *   session id, page, bucket, hour, events and clicks: what the fold adds to session_hours.
 *   elements (absent before the element ranking): count, then per (session, page, bucket, hour,
 *   selector) those and the clicks: what the fold adds to element_hours.
 *   scrolls (absent before the scroll map): count, then per (session, page, bucket, hour) those and
 *   the deepest scroll, largest scrollY and tallest viewport (scrollOf): maxima the fold merges.
 *   click cells (absent before unique sessions): count, then per (session, page, bucket, hour, 8 px
 *   cell) with a new click the index of its (session, page, bucket, hour) in the activity section,
 *   and gx, gy: what the fold adds to click_cells, once each (an index, not the strings again).
 */
export interface JournalRecord {
  page: string;
  bucket: string;
  type: EventType;
  /** Epoch hour (periodIndex("h", ts)). */
  hour: number;
  /** Samples counted. */
  n: number;
  maxGy: number;
  tiles: Array<readonly [ty: number, tx: number, cells: Buffer]>;
}

interface OpenHour {
  dim: number;
  hour: number;
  n: number;
  maxGy: number;
  /** One number per sample: tileKey × TILE_CELLS + cell index, so sorting groups tiles and cells. A
   * dense tile per (hour, tile) allocated 1 KB for nearly every random click (15% of ingest CPU in GC). */
  samples: number[];
}

/** Room for the largest tile encoding: every cell, each count a full varint. */
const scratch = Buffer.alloc(TILE_CELLS * 9);

/** Zigzag, so that hours before 1970 stay small unsigned varints (arithmetic: hours exceed 2^31). */
const zigzag = (v: number): number => (v >= 0 ? 2 * v : -2 * v - 1);
const unzigzag = (v: number): number => (v % 2 === 0 ? v / 2 : -(v + 1) / 2);

/** Collects one project's new events and encodes them as a journal body. */
export class JournalBuilder {
  private readonly dims = new Map<string, number>();
  private readonly dimList: Array<[string, string, string]> = [];
  private readonly hours = new Map<string, OpenHour>();
  /** Events added (the backlog measure of a journal row). */
  events = 0;
  /** Per session with new clicks, the time span they cover. */
  private readonly clicks = new Map<string, [from: number, to: number]>();
  /** Per (session, page, bucket, hour): new events and clicks. */
  private readonly activity = new Map<string, JournalActivity>();
  /** Per (session, page, bucket, hour, selector): new clicks. */
  private readonly elements = new Map<string, JournalElement>();
  /** Per (session, page, bucket, hour): the scroll map's maxima of the new events. */
  private readonly scrolls = new Map<string, JournalScroll>();
  /** Per (session, page, bucket, hour, 8 px cell) with a new click: its activity entry's index and the cell, once. */
  private readonly clickCells = new Map<string, [activity: number, gx: number, gy: number]>();
  /** Index of each activity key in the activity section (its insertion order). */
  private readonly activityIndex = new Map<string, number>();

  add(e: StoredEvent): void {
    const dimKey = `${e.page}\u0000${e.bucket}\u0000${e.type}`;
    let dim = this.dims.get(dimKey);
    if (dim === undefined) {
      dim = this.dimList.push([e.page, e.bucket, e.type]) - 1;
      this.dims.set(dimKey, dim);
    }
    const hour = Math.floor(e.ts / HOUR_MS);
    const key = `${dim}:${hour}`;
    let open = this.hours.get(key);
    if (!open) {
      open = { dim, hour, n: 0, maxGy: 0, samples: [] };
      this.hours.set(key, open);
    }
    const into = open;
    const activityKey = `${e.sessionId}\u0000${e.page}\u0000${e.bucket}\u0000${hour}`;
    const act = this.activity.get(activityKey);
    if (!act) this.activityIndex.set(activityKey, this.activity.size);
    if (act) {
      act.events++;
      if (e.type === "click") act.clicks++;
    } else this.activity.set(activityKey, { sessionId: e.sessionId, page: e.page, bucket: e.bucket, hour, events: 1, clicks: e.type === "click" ? 1 : 0 });
    const [viewportH, depth, scrollY] = scrollOf(e);
    const sc = this.scrolls.get(activityKey);
    if (sc) {
      sc.depth = Math.max(sc.depth, depth);
      sc.scrollY = Math.max(sc.scrollY, scrollY);
      sc.viewportH = Math.max(sc.viewportH, viewportH);
    } else this.scrolls.set(activityKey, { sessionId: e.sessionId, page: e.page, bucket: e.bucket, hour, depth, scrollY, viewportH });
    if (e.type === "click" && typeof e.data.selector === "string") {
      const selector = e.data.selector;
      const key = `${activityKey}\u0000${selector}`;
      const el = this.elements.get(key);
      if (el) el.clicks++;
      else this.elements.set(key, { sessionId: e.sessionId, page: e.page, bucket: e.bucket, hour, selector, clicks: 1 });
    }
    if (e.type === "click") {
      const span = this.clicks.get(e.sessionId);
      if (!span) this.clicks.set(e.sessionId, [e.ts, e.ts]);
      else this.clicks.set(e.sessionId, [Math.min(span[0], e.ts), Math.max(span[1], e.ts)]);
    }
    const click = e.type === "click";
    forEachSample(e, (gx, gy) => {
      if (click) {
        const cellKey = `${activityKey}\u0000${gx}\u0000${gy}`;
        if (!this.clickCells.has(cellKey)) this.clickCells.set(cellKey, [this.activityIndex.get(activityKey)!, gx, gy]);
      }
      into.samples.push(tileKey(gx, gy) * TILE_CELLS + cellIndex(gx, gy));
      into.n++;
      if (gy > into.maxGy) into.maxGy = gy;
    });
    this.events++;
  }

  encode(): Buffer {
    const parts: Buffer[] = [];
    const head = new Writer();
    head.uint(this.dimList.length);
    for (const [page, bucket, type] of this.dimList) head.str(page).str(bucket).str(type);
    head.uint(this.hours.size);
    parts.push(head.done());
    for (const h of this.hours.values()) {
      const tiles = encodeSamples(h.samples);
      parts.push(new Writer().uint(h.dim).uint(zigzag(h.hour)).uint(h.n).uint(h.maxGy).uint(tiles.length).done());
      for (const [tk, cells] of tiles) parts.push(new Writer().uint(tileY(tk)).uint(tileX(tk)).uint(cells.length).done(), cells);
    }
    const clicks = new Writer().uint(this.clicks.size);
    for (const [sessionId, [from, to]] of this.clicks) clicks.str(sessionId).uint(from).uint(to - from);
    parts.push(clicks.done());
    const activity = new Writer().uint(this.activity.size);
    for (const a of this.activity.values()) activity.str(a.sessionId).str(a.page).str(a.bucket).uint(a.hour).uint(a.events).uint(a.clicks);
    parts.push(activity.done());
    const elements = new Writer().uint(this.elements.size);
    for (const a of this.elements.values()) elements.str(a.sessionId).str(a.page).str(a.bucket).uint(a.hour).str(a.selector).uint(a.clicks);
    parts.push(elements.done());
    const scrolls = new Writer().uint(this.scrolls.size);
    for (const a of this.scrolls.values()) scrolls.str(a.sessionId).str(a.page).str(a.bucket).uint(a.hour).uint(a.depth).uint(a.scrollY).uint(a.viewportH);
    parts.push(scrolls.done());
    const clickCells = new Writer().uint(this.clickCells.size);
    for (const [activity, gx, gy] of this.clickCells.values()) clickCells.uint(activity).uint(gx).uint(gy);
    parts.push(clickCells.done());
    return Buffer.concat(parts);
  }
}

/** Samples (tileKey × TILE_CELLS + cell) as encoded tiles, in the tile codec's encoding (cells in index order). */
function encodeSamples(samples: readonly number[]): Array<[number, Buffer]> {
  const sorted = Float64Array.from(samples).sort();
  const out: Array<[number, Buffer]> = [];
  let i = 0;
  while (i < sorted.length) {
    const tk = Math.floor(sorted[i]! / TILE_CELLS);
    let at = 0;
    while (i < sorted.length && Math.floor(sorted[i]! / TILE_CELLS) === tk) {
      const key = sorted[i]!;
      let n = 0;
      while (i < sorted.length && sorted[i] === key) {
        n++;
        i++;
      }
      scratch[at++] = key - tk * TILE_CELLS;
      at = putVarint(scratch, at, n);
    }
    out.push([tk, Buffer.from(scratch.subarray(0, at))]);
  }
  return out;
}

/** Small varint writer over a growing buffer. */
class Writer {
  private buf = Buffer.allocUnsafe(64);
  private at = 0;
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  uint(n: number): this {
    this.room(10);
    this.at = putVarint(this.buf, this.at, n);
    return this;
  }
  str(s: string): this {
    const len = Buffer.byteLength(s, "utf8");
    this.uint(len);
    this.room(len);
    this.at += this.buf.write(s, this.at, "utf8");
    return this;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

/** A session whose new clicks a journal row holds, and the time span they cover. */
export interface JournalClicks {
  sessionId: string;
  from: number;
  to: number;
}

/** New events and clicks of one session, page and bucket in one UTC hour. */
export interface JournalActivity {
  sessionId: string;
  page: string;
  bucket: string;
  hour: number;
  events: number;
  clicks: number;
}

/** New clicks of one session on one selector, page and bucket in one UTC hour. */
export interface JournalElement {
  sessionId: string;
  page: string;
  bucket: string;
  hour: number;
  selector: string;
  clicks: number;
}

/** The scroll map's maxima for one session, page and bucket in one UTC hour. */
export interface JournalScroll {
  sessionId: string;
  page: string;
  bucket: string;
  hour: number;
  depth: number;
  scrollY: number;
  viewportH: number;
}

/** A clicked 8 px cell of one session, page and bucket in one UTC hour. */
export interface JournalClickCell {
  sessionId: string;
  page: string;
  bucket: string;
  hour: number;
  gx: number;
  gy: number;
}

/** The records of a journal body, in the order they were encoded. */
export function decodeJournal(body: Uint8Array): JournalRecord[] {
  return readJournal(body).records;
}

/** The records of a journal body and its sessions with new clicks. */
export function readJournal(body: Uint8Array): {
  records: JournalRecord[];
  clicks: JournalClicks[];
  activity: JournalActivity[];
  elements: JournalElement[];
  scrolls: JournalScroll[];
  clickCells: JournalClickCell[];
} {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const cur = new VarintReader(buf);
  const uint = (): number => cur.next();
  const str = (): string => {
    const len = cur.next();
    const s = buf.toString("utf8", cur.at, cur.at + len);
    cur.at += len;
    return s;
  };
  const dims: Array<[string, string, EventType]> = [];
  for (let i = uint(); i > 0; i--) dims.push([str(), str(), str() as EventType]);
  const records: JournalRecord[] = [];
  for (let r = uint(); r > 0; r--) {
    const [page, bucket, type] = dims[uint()]!;
    const hour = unzigzag(uint());
    const n = uint();
    const maxGy = uint();
    const tiles: JournalRecord["tiles"] = [];
    for (let t = uint(); t > 0; t--) {
      const ty = uint();
      const tx = uint();
      const len = uint();
      tiles.push([ty, tx, buf.subarray(cur.at, cur.at + len)]);
      cur.at += len;
    }
    records.push({ page, bucket, type, hour, n, maxGy, tiles });
  }
  const clicks: JournalClicks[] = [];
  if (cur.at < buf.length) {
    for (let i = uint(); i > 0; i--) {
      const sessionId = str();
      const from = uint();
      clicks.push({ sessionId, from, to: from + uint() });
    }
  }
  const activity: JournalActivity[] = [];
  if (cur.at < buf.length) {
    for (let i = uint(); i > 0; i--) activity.push({ sessionId: str(), page: str(), bucket: str(), hour: uint(), events: uint(), clicks: uint() });
  }
  const elements: JournalElement[] = [];
  if (cur.at < buf.length) {
    for (let i = uint(); i > 0; i--) elements.push({ sessionId: str(), page: str(), bucket: str(), hour: uint(), selector: str(), clicks: uint() });
  }
  const scrolls: JournalScroll[] = [];
  if (cur.at < buf.length) {
    for (let i = uint(); i > 0; i--) scrolls.push({ sessionId: str(), page: str(), bucket: str(), hour: uint(), depth: uint(), scrollY: uint(), viewportH: uint() });
  }
  const clickCells: JournalClickCell[] = [];
  if (cur.at < buf.length) {
    for (let i = uint(); i > 0; i--) {
      const { sessionId, page, bucket, hour } = activity[uint()]!;
      clickCells.push({ sessionId, page, bucket, hour, gx: uint(), gy: uint() });
    }
  }
  return { records, clicks, activity, elements, scrolls, clickCells };
}
