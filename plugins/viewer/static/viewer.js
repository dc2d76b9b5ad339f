// The viewer page: filters → query APIs → canvas overlay on the page (or a blank tall canvas).
// State lives in the URL hash (shareable); a read token in the hash is taken once and removed from
// the address bar so it does not linger in history.
import { createApi } from "./api.js";
import { drawFold, drawPointHeat, drawScrollReach } from "./heat.js";
import { loadScrollReach } from "./scroll-reach.js";
import { createPlayback } from "./playback.js";

const $ = (id) => document.getElementById(id);
const form = $("filters");
const canvas = $("overlay");
const frame = $("page");
const stage = $("stage");
const status = $("status");
const FIELDS = ["project", "pageUrl", "type", "path", "from", "to", "viewport", "widths", "coordinates", "aggregation"];

const { apiBase } = await (await fetch("config.json", { cache: "no-store" })).json();

function setStatus(text, isError = false) {
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of [...FIELDS, "token"]) {
    const value = params.get(name);
    if (value === null) continue;
    const field = form.elements.namedItem(name);
    if (field instanceof HTMLSelectElement && ![...field.options].some((o) => o.value === value)) field.add(new Option(value, value));
    field.value = value;
  }
  if (params.has("token")) {
    params.delete("token");
    history.replaceState(null, "", `#${params}`);
  }
  return params.get("session");
}

function writeHash(session) {
  const params = new URLSearchParams();
  for (const name of FIELDS) if (form.elements.namedItem(name).value) params.set(name, form.elements.namedItem(name).value);
  if (session) params.set("session", session);
  history.replaceState(null, "", `#${params}`);
}

const value = (name) => form.elements.namedItem(name).value.trim();

/** Query filters shared by every API call: path, and a whole-day UTC date range. */
function filters() {
  return {
    path: value("path"),
    from: value("from") ? `${value("from")}T00:00:00.000Z` : "",
    to: value("to") ? `${value("to")}T23:59:59.999Z` : "",
  };
}

/** The width band as the analytics APIs take it ("768-1279" → viewportWidthMin/Max). */
function widths() {
  const [min, max] = value("widths").split("-");
  return { viewportWidthMin: min ?? "", viewportWidthMax: max ?? "" };
}

/** The trend line beside the overlay: events (rage clicks when drawing them) per hour, or per day when hours are too many. */
async function showTrend(client) {
  const metric = value("type") === "rageclick" ? "rageclicks" : "events";
  const params = { ...filters(), ...widths(), metric };
  const series = await client.timeseries({ ...params, interval: "hour" }).catch((err) => {
    if (err.code === "invalid_query") return client.timeseries({ ...params, interval: "day" });
    throw err;
  });
  const svg = $("trend");
  const { width, height } = svg.getBoundingClientRect();
  const max = Math.max(1, ...series.points.map((p) => p.value));
  const step = series.points.length > 1 ? (width - 4) / (series.points.length - 1) : 0;
  const coords = series.points.map((p, i) => `${(2 + i * step).toFixed(1)},${(height - 2 - (p.value / max) * (height - 4)).toFixed(1)}`);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", coords.length === 1 ? `2,${coords[0].split(",")[1]} ${width - 2},${coords[0].split(",")[1]}` : coords.join(" "));
  svg.replaceChildren(line);
  $("trend-label").textContent = `${metric} per ${series.meta.interval} · ${series.meta.total ?? 0}`;
}

/** The element ranking beside the overlay. */
async function showElements(client) {
  const ranking = await client.elements({ ...filters(), ...widths(), limit: 8 });
  $("elements").replaceChildren(
    ...ranking.elements.map((el) => {
      const li = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = el.selector;
      const small = document.createElement("small");
      small.textContent = `${el.clicks} clicks · ${Math.round(el.share * 100)} % · ${el.sessions} sessions${el.rageClicks ? ` · ${el.rageClicks} rage` : ""}`;
      li.append(code, small);
      return li;
    }),
  );
}

function api() {
  return createApi({ base: apiBase, token: value("token"), project: value("project") });
}

/** Sizes the stage, the canvas and the page frame to w × h page pixels. */
function sizeStage(w, h) {
  stage.style.width = `${w}px`;
  stage.style.height = `${h}px`;
  canvas.width = w;
  canvas.height = h;
  const url = value("pageUrl");
  frame.hidden = !url;
  if (url) {
    if (frame.getAttribute("src") !== url) frame.src = url;
    frame.width = String(w);
    frame.height = String(h);
  } else frame.removeAttribute("src");
}

function fillSelect(select, values, keep) {
  const first = select.options[0];
  select.replaceChildren(first, ...values.map(([v, label]) => new Option(label, v)));
  select.value = values.some(([v]) => v === keep) ? keep : "";
}

function listItem(title, detail, onClick, active) {
  const li = document.createElement("li");
  li.append(title);
  const small = document.createElement("small");
  small.textContent = detail;
  li.append(small);
  li.classList.toggle("active", active);
  li.addEventListener("click", onClick);
  return li;
}

async function showLists(client) {
  const f = filters();
  const [pageviews, sessions] = await Promise.all([
    client.events({ from: f.from, to: f.to, type: "pageview" }, 5000),
    client.sessions(f),
  ]);
  const pages = new Map();
  for (const e of pageviews) {
    const page = e.path.split(/[?#]/)[0];
    pages.set(page, (pages.get(page) ?? 0) + 1);
  }
  const sortedPages = [...pages.entries()].sort((a, b) => b[1] - a[1]);
  fillSelect(form.elements.namedItem("path"), sortedPages.map(([p]) => [p, p]), value("path"));
  $("pages").replaceChildren(
    ...sortedPages.map(([p, n]) =>
      listItem(p, `${n} pageview${n === 1 ? "" : "s"}`, () => {
        form.elements.namedItem("path").value = p;
        void show();
      }, p === value("path")),
    ),
  );
  $("sessions").replaceChildren(
    ...sessions.map((s) =>
      listItem(
        new Date(s.startedAt).toISOString().replace("T", " ").slice(0, 19),
        `${s.userId ?? "anonymous"} · ${s.eventCount} events · ${s.firstPath}`,
        () => void openSession(s.sessionId),
        false,
      ),
    ),
  );
}

async function drawHeatmap(client) {
  const type = value("type");
  const relative = value("coordinates") === "relative";
  // Distinct sessions per cell are kept for clicks and rage clicks only (the API refuses the others).
  const unique = value("aggregation") === "unique_sessions" && (type === "click" || type === "rageclick");
  const heat = await client.heatmap({
    ...filters(),
    ...widths(),
    type: type === "scroll" ? "click" : type,
    viewportBucket: value("viewport"),
    coordinates: relative ? "relative" : "",
    aggregation: unique ? "unique_sessions" : "",
  });
  const buckets = Object.entries(heat.meta.buckets).sort((a, b) => b[1] - a[1]);
  fillSelect(form.elements.namedItem("viewport"), buckets.map(([b, n]) => [b, `${b} (${n})`]), value("viewport"));
  const { w, h } = heat.meta.viewport;
  if (type === "scroll") {
    const scroll = await loadScrollReach(client, filters(), h);
    sizeStage(w, scroll.pageHeight);
    drawScrollReach(canvas, scroll.reach);
    // The fold, from the scroll map API: the median viewport height, and who scrolled past it.
    const map = value("path") ? await client.scrollmap({ ...filters(), ...widths() }) : null;
    if (map?.fold.medianHeight) drawFold(canvas, map.fold.medianHeight, map.fold.scrolledBelowShare);
    setStatus(`scroll map · ${scroll.sessions} sessions · ${scroll.scrolls} scroll events · page ≈ ${scroll.pageHeight} px`);
    return;
  }
  sizeStage(w, heat.meta.renderHeight);
  // Relative x is a share of each sample's viewport width: drawn across this stage's width.
  const points = relative ? heat.points.map((p) => ({ ...p, x: p.x * w })) : heat.points;
  drawPointHeat(canvas, points, relative ? w / heat.meta.columns : heat.meta.cellSize);
  const hottest = heat.points.reduce((a, p) => (p.value > a ? p.value : a), 0);
  setStatus(`${type} heatmap · ${heat.meta.total} ${unique ? "sessions" : "samples"} · viewport ${heat.meta.bucket ?? "none"} · hottest cell ${hottest}`);
}

async function run(task) {
  if (!value("project")) return setStatus("Enter a project id.", true);
  document.body.dataset.state = "loading";
  try {
    await task(api());
    document.body.dataset.state = "ready";
  } catch (err) {
    document.body.dataset.state = "error";
    const hint = err.code === "missing_read_token" || err.code === "invalid_read_token" ? " (enter a read token for this project)" : "";
    setStatus(`${err.code ?? "error"}: ${err.message}${hint}`, true);
  }
}

const playback = createPlayback({
  canvas,
  stage,
  log: $("event-log"),
  timeline: $("timeline"),
  clock: $("clock"),
  playButton: $("play"),
  speed: $("speed"),
  onSize: sizeStage,
});

function show() {
  playback.stop();
  $("playback").hidden = true;
  writeHash();
  return run(async (client) => {
    await Promise.all([showLists(client), drawHeatmap(client), showTrend(client), showElements(client)]);
  });
}

function openSession(id) {
  writeHash(id);
  return run(async (client) => {
    const body = await client.session(id);
    $("playback").hidden = false;
    playback.load(body);
    setStatus(`session ${id} · ${body.session.userId ?? "anonymous"} · ${body.events.length} events`);
  });
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  void show();
});
for (const name of ["type", "path", "viewport", "widths", "coordinates", "aggregation"]) form.elements.namedItem(name).addEventListener("change", () => void show());
$("close-session").addEventListener("click", () => void show());

const session = readHash();
if (value("project")) {
  await show();
  if (session) await openSession(session);
}
