// Session playback: the session's events on a timeline. The canvas shows, at time t, the viewport
// the visitor was looking at (from the last scroll), the mouse trail so far and the clicks so far.

const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;

function describe(e) {
  switch (e.type) {
    case "click": return `click ${e.selector ?? ""} (${Math.round(e.x)}, ${Math.round(e.y)})`;
    case "move": return `move ${e.points?.length ?? 0} points`;
    case "scroll": return `scroll to ${Math.round(e.scrollY)} px (${Math.round(e.scrollDepthPct)}%)`;
    case "pageview": return `pageview ${e.to ?? e.path}`;
    case "custom": return `track ${e.name} ${e.props ? JSON.stringify(e.props) : ""}`;
    case "input": return `input ${e.action} ${e.selector ?? ""}`;
    case "keyboard": return `key (${e.category})`;
    default: return e.type;
  }
}

export function createPlayback({ canvas, stage, log, timeline, clock, playButton, speed, onSize }) {
  let events = [];
  let samples = []; // move points with absolute times
  let start = 0;
  let span = 1;
  let t = 0;
  let raf = 0;
  let viewport = { w: 1280, h: 720 };

  function draw() {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const now = start + t;
    const lastScroll = events.filter((e) => e.type === "scroll" && e.ts <= now).at(-1);
    const top = lastScroll ? lastScroll.scrollY : 0;
    ctx.fillStyle = "rgba(37,99,235,0.08)";
    ctx.strokeStyle = "rgba(37,99,235,0.9)";
    ctx.setLineDash([6, 4]);
    ctx.fillRect(0, top, viewport.w, viewport.h);
    ctx.strokeRect(1, top + 1, viewport.w - 2, viewport.h - 2);
    ctx.setLineDash([]);
    const trail = samples.filter((s) => s.t <= now);
    if (trail.length > 0) {
      ctx.strokeStyle = "rgba(15,118,110,0.8)";
      ctx.lineWidth = 2;
      ctx.beginPath();
      trail.forEach((s, i) => (i === 0 ? ctx.moveTo(s.x, s.y) : ctx.lineTo(s.x, s.y)));
      ctx.stroke();
      const head = trail.at(-1);
      ctx.fillStyle = "rgb(15,118,110)";
      ctx.beginPath();
      ctx.arc(head.x, head.y, 5, 0, Math.PI * 2);
      ctx.fill();
    }
    for (const c of events.filter((e) => e.type === "click" && e.ts <= now)) {
      const fresh = now - c.ts < 800;
      ctx.fillStyle = fresh ? "rgba(220,38,38,0.9)" : "rgba(220,38,38,0.45)";
      ctx.beginPath();
      ctx.arc(c.x, c.y, fresh ? 12 : 7, 0, Math.PI * 2);
      ctx.fill();
    }
    let current = -1;
    events.forEach((e, i) => {
      if (e.ts <= now) current = i;
    });
    [...log.children].forEach((li, i) => (li.className = i < current ? "past" : i === current ? "current" : ""));
    log.children[current]?.scrollIntoView({ block: "nearest" });
    clock.textContent = `${fmt(t)} / ${fmt(span)}`;
    timeline.value = String(Math.round((t / span) * 1000));
  }

  function stop() {
    cancelAnimationFrame(raf);
    raf = 0;
    playButton.textContent = "Play";
  }

  function play() {
    if (raf) return stop();
    if (t >= span) t = 0;
    playButton.textContent = "Pause";
    let last = performance.now();
    const tick = (ts) => {
      t = Math.min(span, t + (ts - last) * Number(speed.value));
      last = ts;
      draw();
      if (t >= span) stop();
      else raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
  }

  playButton.addEventListener("click", play);
  timeline.addEventListener("input", () => {
    t = (Number(timeline.value) / 1000) * span;
    draw();
  });

  return {
    /** Shows a session (the body of GET /api/sessions/:id). */
    load(body) {
      stop();
      events = [...body.events].sort((a, b) => a.ts - b.ts);
      samples = events
        .filter((e) => e.type === "move")
        .flatMap((e) => (e.points ?? []).map((p) => ({ x: p.x, y: p.y, t: e.ts + p.tsOffset })))
        .sort((a, b) => a.t - b.t);
      viewport = events.find((e) => e.viewport)?.viewport ?? viewport;
      start = events[0]?.ts ?? 0;
      span = Math.max(1, Math.max(...events.map((e) => e.ts), ...samples.map((s) => s.t), start) - start);
      const deepest = Math.max(
        viewport.h,
        ...events.map((e) => (e.type === "scroll" ? e.scrollY + viewport.h : e.type === "click" ? e.y + 40 : 0)),
        ...samples.map((s) => s.y + 40),
      );
      onSize(viewport.w, deepest);
      log.replaceChildren(
        ...events.map((e) => {
          const li = document.createElement("li");
          li.textContent = `+${fmt(e.ts - start)} ${e.path} ${describe(e)}`;
          return li;
        }),
      );
      t = 0;
      draw();
      stage.scrollIntoView({ block: "start" });
    },
    stop,
  };
}
