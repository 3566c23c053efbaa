// wirecoder workbench: plain JS + SVG, no build step, nothing loaded from outside this server.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const QUAD_COLORS = { 1: "#3a6a9e", 2: "#1f7a4d", 3: "#a35c00", 4: "#b3261e" };
const TYPE_COLORS = ["#3a6a9e", "#1f7a4d", "#a35c00", "#b3261e", "#6a4c93", "#00838f", "#8d6e63", "#5d6d7e",
  "#ad1457", "#558b2f", "#e65100", "#283593", "#00695c", "#6d4c41", "#7b1fa2", "#37474f"];
const FILTER_KEYS = ["start", "end", "actor", "recipient", "event_type", "factuality", "place", "source", "bbox"];
const MARK_LABELS = { trigger: "trigger", actor: "actor", recipient: "recipient", date: "date phrase",
  place: "place", source: "attribution source" };

const state = {
  filters: {},
  level: "events",
  offset: 0,
  limit: 50,
  timelineBy: "quad",
  meta: null,
  world: null,
  mapView: { k: 1, x: 0, y: 0 },
  mapPoints: [],
  loadSeq: 0,
};

// ---- helpers ---------------------------------------------------------------------------------------

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

async function api(path, params = {}, init = undefined) {
  const res = await fetch(path + query(params), init);
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = body && body.error ? body.error : { code: "http_error", message: res.statusText };
    const e = new Error(err.message);
    e.code = err.code;
    e.details = err.details;
    e.status = res.status;
    throw e;
  }
  return body;
}

function partyText(list) {
  if (!list || !list.length) return "";
  return list.map((e) => (e.country ? `${e.name} (${e.country})` : e.name)).join("; ");
}

function filterParams(extra = {}, omit = []) {
  const out = { level: state.level, ...extra };
  for (const k of FILTER_KEYS) if (!omit.includes(k) && state.filters[k]) out[k] = state.filters[k];
  return out;
}

function typeChip(type, quad) {
  return el("span", { class: `type-chip q${quad}`, text: type });
}

function clearChildren(node) { while (node.firstChild) node.removeChild(node.firstChild); }

// ---- filters ---------------------------------------------------------------------------------------

function readForm() {
  const form = $("#filters");
  const f = {};
  for (const k of FILTER_KEYS) {
    const input = form.elements[k];
    if (input && input.value.trim()) f[k] = input.value.trim();
  }
  state.level = form.elements.level.value;
  state.filters = f;
}

function writeForm() {
  const form = $("#filters");
  for (const k of FILTER_KEYS) if (form.elements[k]) form.elements[k].value = state.filters[k] || "";
  form.elements.level.value = state.level;
}

function setFilters(changes) {
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") delete state.filters[k];
    else state.filters[k] = v;
  }
  state.offset = 0;
  writeForm();
  saveHash();
  refresh();
}

function saveHash() {
  const params = { ...state.filters };
  if (state.level !== "events") params.level = state.level;
  const h = query(params).slice(1);
  history.replaceState(null, "", h ? "#" + h : location.pathname);
}

function loadHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  state.filters = {};
  for (const k of FILTER_KEYS) if (q.get(k)) state.filters[k] = q.get(k);
  state.level = q.get("level") === "reports" ? "reports" : "events";
}

function renderChips() {
  const box = $("#active-filters");
  clearChildren(box);
  for (const k of FILTER_KEYS) {
    if (!state.filters[k]) continue;
    box.append(el("span", { class: "chip" }, `${k.replace("_", " ")}: ${state.filters[k]}`,
      el("button", { type: "button", "aria-label": `Remove filter ${k}`, onclick: () => setFilters({ [k]: null }) }, "×")));
  }
}

// ---- loading ---------------------------------------------------------------------------------------

async function refresh() {
  const seq = ++state.loadSeq;
  renderChips();
  const summary = $("#summary");
  summary.classList.remove("error");
  try {
    const [page, stats, timeline, network, points] = await Promise.all([
      api("/api/events", filterParams({ limit: state.limit, offset: state.offset, order: "desc" })),
      api("/api/stats", filterParams({ top: 5 })),
      api("/api/timeline", filterParams({ by: state.timelineBy, interval: timelineInterval() }, ["start", "end"])),
      api("/api/network", filterParams({ limit: 80 })),
      api("/api/map", filterParams({ limit: 2000 }, ["bbox"])),
    ]);
    if (seq !== state.loadSeq) return; // a newer refresh started
    renderSummary(stats);
    renderTable(page);
    renderTimeline(timeline);
    renderNetwork(network);
    state.mapPoints = points.points;
    renderMap();
    document.body.dataset.loaded = String(seq);
  } catch (e) {
    if (seq !== state.loadSeq) return;
    summary.textContent = `Error: ${e.message}`;
    summary.classList.add("error");
  }
}

function timelineInterval() {
  const range = state.meta && state.meta.date_range;
  if (!range || !range[0]) return "day";
  const days = (Date.parse(range[1]) - Date.parse(range[0])) / 86400000;
  return days > 1100 ? "month" : days > 180 ? "week" : "day";
}

function renderSummary(stats) {
  const quads = Object.fromEntries(stats.by_quad.map((q) => [q.quad_class, q.n]));
  const coop = (quads[1] || 0) + (quads[2] || 0);
  const conf = (quads[3] || 0) + (quads[4] || 0);
  const what = state.level === "events" ? "events" : "reports";
  $("#summary").textContent = `${stats.total.toLocaleString()} ${what} match — ${coop.toLocaleString()} cooperative, ` +
    `${conf.toLocaleString()} conflictual`;
}

// ---- table -----------------------------------------------------------------------------------------

function renderTable(page) {
  const body = $("#events-table tbody");
  clearChildren(body);
  if (!page.items.length) {
    body.append(el("tr", {}, el("td", { colspan: 8, class: "empty", text: "No events match these filters." })));
  }
  for (const r of page.items) {
    const id = state.level === "reports" ? r.cluster_id : r.event_id;
    const countries = [...(r.actor || []), ...(r.recipient || [])].map((e) => e.country).filter(Boolean);
    const row = el("tr", {
      tabindex: 0, "data-event-id": id, "data-actor-countries": (r.actor || []).map((e) => e.country).join(" "),
      "data-countries": countries.join(" "), "aria-label": `Open ${r.event_type} event of ${r.date || "unknown date"}`,
    },
    el("td", { text: r.date || "" }),
    el("td", {}, typeChip(r.event_type, r.quad_class)),
    el("td", { class: "code", text: r.cameo || "" }),
    el("td", { text: partyText(r.actor) }),
    el("td", { text: partyText(r.recipient) }),
    el("td", { text: r.location ? r.location.name : "" }),
    el("td", { text: r.factuality }),
    el("td", { text: String(r.n_reports || 1) }));
    row.addEventListener("click", () => openEvent(id, row));
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openEvent(id, row); }
      else if (ev.key === "ArrowDown" && row.nextElementSibling) { ev.preventDefault(); row.nextElementSibling.focus(); }
      else if (ev.key === "ArrowUp" && row.previousElementSibling) { ev.preventDefault(); row.previousElementSibling.focus(); }
    });
    body.append(row);
  }
  const first = page.total ? page.offset + 1 : 0;
  const last = page.offset + page.items.length;
  $("#page-info").textContent = `${first.toLocaleString()}–${last.toLocaleString()} of ${page.total.toLocaleString()} (newest first)`;
  $("#prev").disabled = page.offset === 0;
  $("#next").disabled = page.next_offset === null;
}

// ---- timeline with brushing ------------------------------------------------------------------------

function renderTimeline(data) {
  const box = $("#timeline");
  clearChildren(box);
  const W = Math.max(320, box.clientWidth || 800);
  const H = 170;
  const m = { l: 34, r: 8, t: 8, b: 22 };
  const periods = [...new Set(data.buckets.map((b) => b.period))].sort();
  const legend = $("#timeline-legend");
  clearChildren(legend);
  if (!periods.length) {
    box.append(el("p", { class: "empty", text: "No dated events." }));
    return;
  }
  const keys = data.by === "quad" ? ["1", "2", "3", "4"] : (state.meta ? state.meta.event_types : []);
  const color = (k) => (data.by === "quad" ? QUAD_COLORS[k] : TYPE_COLORS[keys.indexOf(k) % TYPE_COLORS.length]);
  const stacks = new Map(periods.map((p) => [p, {}]));
  for (const b of data.buckets) stacks.get(b.period)[b.key] = b.n;
  const totals = periods.map((p) => Object.values(stacks.get(p)).reduce((a, b) => a + b, 0));
  const maxN = Math.max(...totals, 1);
  // a continuous time axis from the first to the last period (gaps show as gaps)
  const t0 = Date.parse(periods[0]);
  const t1 = Date.parse(periods[periods.length - 1]) + periodMs(data.interval);
  const x = (t) => m.l + ((t - t0) / (t1 - t0)) * (W - m.l - m.r);
  const xinv = (px) => t0 + ((px - m.l) / (W - m.l - m.r)) * (t1 - t0);
  const y = (n) => H - m.b - (n / maxN) * (H - m.t - m.b);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, "aria-hidden": "true" });
  const axis = svg("g", { class: "axis" });
  axis.append(svg("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  axis.append(svg("text", { x: m.l - 4, y: m.t + 8, "text-anchor": "end", text: String(maxN) }));
  axis.append(svg("text", { x: m.l - 4, y: H - m.b, "text-anchor": "end", text: "0" }));
  for (const tick of timeTicks(t0, t1, 6)) {
    axis.append(svg("line", { x1: x(tick), x2: x(tick), y1: H - m.b, y2: H - m.b + 4 }));
    const label = new Date(tick).toISOString().slice(0, t1 - t0 < 120 * 86400000 ? 10 : 7);
    axis.append(svg("text", { x: x(tick), y: H - 6, "text-anchor": "middle", text: label }));
  }
  root.append(axis);
  const bars = svg("g");
  const usedKeys = new Set();
  periods.forEach((p, i) => {
    const ta = Date.parse(p);
    const bx = x(ta);
    const bw = Math.max(1, x(ta + periodMs(data.interval)) - bx - 1);
    let acc = 0;
    for (const k of keys) {
      const n = stacks.get(p)[k] || 0;
      if (!n) continue;
      usedKeys.add(k);
      bars.append(svg("rect", { x: bx, y: y(acc + n), width: bw, height: y(acc) - y(acc + n), fill: color(k) },
        svg("title", { text: `${p}: ${n} ${data.by === "quad" ? state.meta.quad_classes[k] : k}` })));
      acc += n;
    }
    void i;
  });
  root.append(bars);
  const brush = svg("rect", { class: "brush", y: m.t, height: H - m.t - m.b, x: 0, width: 0, visibility: "hidden" });
  root.append(brush);
  const showBrush = (a, b) => {
    const lo = Math.max(m.l, Math.min(a, b));
    const hi = Math.min(W - m.r, Math.max(a, b));
    brush.setAttribute("x", lo);
    brush.setAttribute("width", Math.max(0, hi - lo));
    brush.setAttribute("visibility", hi - lo > 0 ? "visible" : "hidden");
  };
  if (state.filters.start || state.filters.end) {
    const a = state.filters.start ? Date.parse(state.filters.start) : t0;
    const b = state.filters.end ? Date.parse(state.filters.end) + 86400000 : t1;
    showBrush(x(a), x(b));
  }
  // pointer brushing: drag across the chart to choose a date range
  const toLocal = (ev) => {
    const r = root.getBoundingClientRect();
    return ((ev.clientX - r.left) / r.width) * W;
  };
  let x0 = null;
  root.addEventListener("pointerdown", (ev) => { x0 = toLocal(ev); root.setPointerCapture(ev.pointerId); showBrush(x0, x0); });
  root.addEventListener("pointermove", (ev) => { if (x0 !== null) showBrush(x0, toLocal(ev)); });
  root.addEventListener("pointerup", (ev) => {
    if (x0 === null) return;
    const x1 = toLocal(ev);
    const a = Math.min(x0, x1), b = Math.max(x0, x1);
    x0 = null;
    if (b - a < 3) { setFilters({ start: null, end: null }); return; }
    setFilters({ start: isoDay(xinv(a)), end: isoDay(xinv(b) - 1) });
  });
  box.append(root);
  box.dataset.t0 = isoDay(t0);
  box.dataset.t1 = isoDay(t1 - 1);
  for (const k of keys.filter((k) => usedKeys.has(k))) {
    legend.append(el("span", {}, el("span", { class: "swatch", style: null, "data-color": color(k) }),
      data.by === "quad" ? state.meta.quad_classes[k] : k));
  }
  legend.querySelectorAll(".swatch").forEach((s) => { s.style.background = s.dataset.color; });
}

function periodMs(interval) {
  return { day: 1, week: 7, month: 30.44, year: 365.25 }[interval] * 86400000;
}

function timeTicks(t0, t1, n) {
  const out = [];
  const step = (t1 - t0) / n;
  for (let i = 0; i <= n; i++) out.push(t0 + i * step);
  return out;
}

function isoDay(t) { return new Date(t).toISOString().slice(0, 10); }

function moveBrush(ev) {
  // keyboard brushing: arrows shift the date range by a tenth of the timeline, shift+arrows widen/narrow it
  const box = $("#timeline");
  if (!box.dataset.t0) return;
  const t0 = Date.parse(box.dataset.t0), t1 = Date.parse(box.dataset.t1);
  if (ev.key === "Escape") { setFilters({ start: null, end: null }); return; }
  if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
  ev.preventDefault();
  const step = Math.max(86400000, (t1 - t0) / 10);
  let a = state.filters.start ? Date.parse(state.filters.start) : t0;
  let b = state.filters.end ? Date.parse(state.filters.end) : a + step;
  const dir = ev.key === "ArrowRight" ? 1 : -1;
  if (ev.shiftKey) b = Math.max(a, b + dir * step);
  else { a += dir * step; b += dir * step; }
  setFilters({ start: isoDay(a), end: isoDay(b) });
}

// ---- actor network ---------------------------------------------------------------------------------

function renderNetwork(data) {
  const box = $("#network");
  clearChildren(box);
  if (!data.nodes.length) {
    box.append(el("p", { class: "empty", text: "No dyadic events for this filter." }));
    return;
  }
  const W = Math.max(300, box.clientWidth || 480);
  const H = Math.min(Math.round(W * 0.8), 480);
  const cx = W / 2, cy = H / 2, R = Math.min(W, H) / 2 - 46;
  const nodes = data.nodes.slice(0, 40);
  const pos = new Map();
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
    pos.set(n.id, { x: cx + R * Math.cos(a), y: cy + R * Math.sin(a), a });
  });
  const maxEdge = Math.max(...data.edges.map((e) => e.n), 1);
  const maxNode = Math.max(...nodes.map((n) => n.n), 1);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group",
    "aria-label": `Actor network: ${nodes.length} countries, ${data.edges.length} dyads` });
  const edges = svg("g", { "aria-hidden": "true" });
  for (const e of data.edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    if (!a || !b) continue;
    // curve each direction to its own side so A->B and B->A stay apart
    const mx = (a.x + b.x) / 2 + (cx - (a.x + b.x) / 2) * 0.35;
    const my = (a.y + b.y) / 2 + (cy - (a.y + b.y) / 2) * 0.35;
    const conflict = e.n_conflict > e.n_cooperation;
    edges.append(svg("path", {
      d: `M${a.x},${a.y} Q${mx + (b.y - a.y) * 0.08},${my - (b.x - a.x) * 0.08} ${b.x},${b.y}`,
      fill: "none", stroke: conflict ? "#c0392b" : "#1f6fb5", "stroke-opacity": 0.75,
      "stroke-width": 1 + 5 * Math.sqrt(e.n / maxEdge), class: conflict ? "edge conflict" : "edge cooperation",
    }, svg("title", { text: `${e.source} → ${e.target}: ${e.n} events (${e.n_cooperation} cooperative, ${e.n_conflict} conflictual)` })));
  }
  root.append(edges);
  const active = state.filters.actor;
  for (const n of nodes) {
    const p = pos.get(n.id);
    const r = 5 + 12 * Math.sqrt(n.n / maxNode);
    const label = n.name && n.name !== n.id ? `${n.name} (${n.id})` : n.id;
    const g = svg("g", { class: "node" + (active === n.id ? " active" : ""), tabindex: 0, role: "button",
      "data-id": n.id, "aria-label": `${label}: ${n.n} events. Filter by this actor` });
    g.append(svg("circle", { cx: p.x, cy: p.y, r, fill: "#3d4b5c" }));
    const lx = p.x + Math.cos(p.a) * (r + 4), ly = p.y + Math.sin(p.a) * (r + 4);
    g.append(svg("text", { x: lx, y: ly + 4, "text-anchor": Math.cos(p.a) > 0.2 ? "start" : Math.cos(p.a) < -0.2 ? "end" : "middle", text: n.id }));
    g.append(svg("title", { text: label }));
    const pick = () => setFilters({ actor: active === n.id ? null : n.id });
    g.addEventListener("click", pick);
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
    root.append(g);
  }
  box.append(root);
}

// ---- map: offline world outline (Natural Earth via world-atlas) + clustered places -------------------

const MAP_W = 960, MAP_H = 480;

function project(lon, lat) { return [((lon + 180) / 360) * MAP_W, ((90 - lat) / 180) * MAP_H]; }

function unproject(x, y) { return [(x / MAP_W) * 360 - 180, 90 - (y / MAP_H) * 180]; }

function decodeTopology(topo, objectName) {
  // TopoJSON arcs are delta-encoded and quantized; rings are sequences of arc indices (~i = reversed)
  const [sx, sy] = topo.transform.scale, [tx, ty] = topo.transform.translate;
  const arcs = topo.arcs.map((arc) => {
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
  });
  const ring = (indices) => {
    const pts = [];
    for (const i of indices) {
      const a = i < 0 ? arcs[~i].slice().reverse() : arcs[i];
      pts.push(...(pts.length ? a.slice(1) : a));
    }
    return pts;
  };
  const paths = [];
  for (const g of topo.objects[objectName].geometries) {
    const polys = g.type === "Polygon" ? [g.arcs] : g.type === "MultiPolygon" ? g.arcs : [];
    let d = "";
    for (const poly of polys) {
      for (const r of poly) {
        const pts = ring(r).map(([lon, lat]) => project(lon, lat));
        d += "M" + pts.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join("L") + "Z";
      }
    }
    if (d) paths.push({ d, name: g.properties ? g.properties.name : "" });
  }
  return paths;
}

async function loadWorld() {
  if (state.world) return state.world;
  const res = await fetch("/static/vendor/countries-110m.json");
  state.world = decodeTopology(await res.json(), "countries");
  return state.world;
}

function renderMap() {
  const box = $("#map");
  clearChildren(box);
  const W = Math.max(300, box.clientWidth || 480);
  const H = Math.round(W * 0.55);
  const v = state.mapView;
  const fit = W / MAP_W; // screen px per map unit at zoom 1
  const scale = fit * v.k;
  const toScreen = ([mx, my]) => [(mx - v.x) * scale, (my - v.y) * scale];
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group", "aria-label": "Event map" });
  const land = svg("g", { transform: `scale(${scale}) translate(${-v.x},${-v.y})`, "aria-hidden": "true" });
  for (const c of state.world || []) land.append(svg("path", { d: c.d, class: "country", "stroke-width": 0.6 / scale }));
  root.append(land);
  // cluster the places on a 36px screen grid
  const cell = 36;
  const clusters = new Map();
  for (const p of state.mapPoints) {
    const [sx, sy] = toScreen(project(p.lon, p.lat));
    if (sx < -cell || sy < -cell || sx > W + cell || sy > H + cell) continue;
    const key = `${Math.floor(sx / cell)},${Math.floor(sy / cell)}`;
    let c = clusters.get(key);
    if (!c) { c = { n: 0, sx: 0, sy: 0, places: [] }; clusters.set(key, c); }
    c.n += p.n;
    c.sx += sx * p.n;
    c.sy += sy * p.n;
    c.places.push(p);
  }
  const maxN = Math.max(1, ...[...clusters.values()].map((c) => c.n));
  const layer = svg("g");
  for (const c of clusters.values()) {
    const x = c.sx / c.n, y = c.sy / c.n;
    const r = 7 + 14 * Math.sqrt(c.n / maxN);
    const names = c.places.map((p) => p.name).filter(Boolean);
    const label = c.places.length === 1 ? `${names[0] || "a place"}: ${c.n} events. Filter by this place`
      : `${c.places.length} places (${names.slice(0, 4).join(", ")}${names.length > 4 ? ", …" : ""}): ${c.n} events. Zoom in`;
    const g = svg("g", { class: "cluster", tabindex: 0, role: "button", "aria-label": label,
      "data-places": names.join("|") },
    svg("circle", { cx: x, cy: y, r }), svg("text", { x, y, text: String(c.n) }), svg("title", { text: label }));
    const pick = (ev) => {
      ev.stopPropagation();
      if (c.places.length === 1) setFilters({ place: c.places[0].name });
      else zoomAt(x, y, 3);
    };
    g.addEventListener("click", pick);
    g.addEventListener("pointerdown", (ev) => ev.stopPropagation());
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(ev); } });
    layer.append(g);
  }
  root.append(layer);
  // drag to pan, wheel to zoom
  let drag = null;
  root.addEventListener("pointerdown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, vx: v.x, vy: v.y }; root.setPointerCapture(ev.pointerId); });
  root.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const r = root.getBoundingClientRect();
    const f = W / r.width / scale;
    v.x = drag.vx - (ev.clientX - drag.x) * f;
    v.y = drag.vy - (ev.clientY - drag.y) * f;
    land.setAttribute("transform", `scale(${scale}) translate(${-v.x},${-v.y})`);
  });
  root.addEventListener("pointerup", () => { if (drag) { drag = null; renderMap(); } });
  root.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = root.getBoundingClientRect();
    zoomAt(((ev.clientX - r.left) / r.width) * W, ((ev.clientY - r.top) / r.height) * H, ev.deltaY < 0 ? 1.5 : 1 / 1.5);
  }, { passive: false });
  box.append(root);
  box.dataset.clusters = String(clusters.size);
}

function mapSize() {
  const box = $("#map");
  const W = Math.max(300, box.clientWidth || 480);
  return [W, Math.round(W * 0.55)];
}

function zoomAt(sx, sy, factor) {
  const v = state.mapView;
  const [W] = mapSize();
  const scale = (W / MAP_W) * v.k;
  const mx = v.x + sx / scale, my = v.y + sy / scale; // map point under the cursor stays put
  v.k = Math.min(64, Math.max(1, v.k * factor));
  const ns = (W / MAP_W) * v.k;
  v.x = mx - sx / ns;
  v.y = my - sy / ns;
  if (v.k === 1) { v.x = 0; v.y = 0; }
  renderMap();
}

function mapBbox() {
  const v = state.mapView;
  const [W, H] = mapSize();
  const scale = (W / MAP_W) * v.k;
  const [lon0, lat1] = unproject(v.x, v.y);
  const [lon1, lat0] = unproject(v.x + W / scale, v.y + H / scale);
  const c = (x, lo, hi) => Math.min(hi, Math.max(lo, x)).toFixed(3);
  return `${c(lon0, -180, 180)},${c(lat0, -90, 90)},${c(lon1, -180, 180)},${c(lat1, -90, 90)}`;
}

function mapKeys(ev) {
  const [W, H] = mapSize();
  const pan = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[ev.key];
  if (pan) {
    ev.preventDefault();
    const v = state.mapView;
    const scale = (W / MAP_W) * v.k;
    v.x += (pan[0] * W * 0.15) / scale;
    v.y += (pan[1] * H * 0.15) / scale;
    renderMap();
  } else if (ev.key === "+" || ev.key === "=") zoomAt(W / 2, H / 2, 1.5);
  else if (ev.key === "-") zoomAt(W / 2, H / 2, 1 / 1.5);
}

// ---- event detail: article text with highlighted evidence --------------------------------------------

function markedText(text, marks, sentence) {
  // the article text with the sentence shaded and each mark wrapped; built from text nodes, never HTML
  const out = el("div", { class: "article-text", tabindex: 0, "aria-label": "Article text with highlighted evidence" });
  const cuts = new Set([0, text.length]);
  if (sentence) { cuts.add(sentence[0]); cuts.add(sentence[1]); }
  for (const m of marks) { cuts.add(m.start); cuts.add(m.end); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  let sentenceSpan = null, markEl = null, markOf = null;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i], b = points[i + 1];
    const inSentence = sentence && a >= sentence[0] && b <= sentence[1];
    if (inSentence && !sentenceSpan) { sentenceSpan = el("span", { class: "sentence" }); out.append(sentenceSpan); }
    if (!inSentence) sentenceSpan = null;
    const parent = sentenceSpan || out;
    const mark = marks.find((m) => a >= m.start && b <= m.end);
    if (!mark) { parent.append(document.createTextNode(text.slice(a, b))); markOf = null; continue; }
    if (markOf !== mark || markEl.parentNode !== parent) {
      markEl = el("mark", { class: `m-${mark.kind}`, "data-kind": mark.kind, title: MARK_LABELS[mark.kind] });
      parent.append(markEl);
      markOf = mark;
    }
    markEl.append(document.createTextNode(text.slice(a, b)));
    if (b === mark.end) markEl.append(el("span", { class: "visually-hidden", text: ` (${MARK_LABELS[mark.kind]})` }));
  }
  return out;
}

function scrollToMark(box) {
  // show the trigger in the middle of its article's scroll box
  const mark = box.querySelector("mark.m-trigger") || box.querySelector(".sentence");
  if (!mark) return;
  const top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  box.scrollTop = Math.max(0, top - box.clientHeight / 2);
}

function markLegend() {
  return el("p", { class: "mark-legend" }, Object.entries(MARK_LABELS).map(([k, label]) => el("mark", { class: `m-${k}`, text: label })));
}

function facts(record) {
  const loc = record.location;
  const rows = [
    ["Type", `${record.event_type}${record.mode ? " / " + record.mode : ""} (CAMEO ${record.cameo || "—"}, quad ${record.quad_class}, Goldstein ${record.goldstein})`],
    ["Actor", partyText(record.actor) || "—"],
    ["Recipient", partyText(record.recipient) || "—"],
    ["Date", `${record.date || "unknown"}${record.date_precision ? " (" + record.date_precision + ")" : ""}${record.date_text ? " from “" + record.date_text + "”" : " (publication date)"}`],
    ["Place", loc ? `${loc.name}${loc.admin1 ? ", " + loc.admin1 : ""}${loc.country ? " (" + loc.country + ")" : ""}` : "—"],
    ["Factuality", record.factuality],
    ["Attribution", record.attribution ? `${record.attribution.source} (${record.attribution.kind})` : "asserted by the article"],
    ["Coded by", record.coder],
    ["Confidence", String(record.confidence)],
  ];
  if (record.n_reports) rows.push(["Reports", `${record.n_reports} from ${record.n_sources} source(s)`]);
  return el("dl", { class: "facts" }, rows.map(([k, v]) => [el("dt", { text: k }), el("dd", { "data-fact": k.toLowerCase(), text: v })]));
}

function reportSection(view, i) {
  const a = view.article;
  const r = view.report;
  const title = a ? (a.title || a.doc_id) : r.doc_id;
  const sec = el("section", { class: "report", "data-report-id": r.event_id, "aria-label": `Report ${i + 1}` },
    el("h3", { text: `Report ${i + 1}: ${title}` }),
    el("p", { class: "hint", text: [a && a.outlet, a && a.published, `factuality ${r.factuality}`,
      r.attribution ? `according to ${r.attribution.source}` : null, `rule ${r.coder}`].filter(Boolean).join(" · ") }));
  if (view.merge && view.merge.merged) {
    sec.append(el("p", { class: "hint", text: `Joined this event (score ${view.merge.score}): ${[].concat(view.merge.because || []).join(", ")}` }));
  }
  if (a && a.text) sec.append(markedText(a.text, view.evidence.marks, view.evidence.sentence));
  else sec.append(el("p", { text: r.sentence }));
  return sec;
}

async function openEvent(id, opener) {
  const dialog = $("#detail");
  const body = $("#detail-body");
  clearChildren(body);
  body.append(el("p", { text: "Loading…" }));
  $("#detail-title").textContent = "Event";
  if (!dialog.open) {
    dialog.returnFocusTo = opener || document.activeElement;
    dialog.showModal();
  }
  try {
    const d = await api(`/api/events/${encodeURIComponent(id)}`);
    clearChildren(body);
    const ev = d.event;
    $("#detail-title").textContent = `${ev.event_type}: ${partyText(ev.actor) || "?"} → ${partyText(ev.recipient) || "—"}`;
    body.append(el("p", { class: "sentence-quote" }, el("strong", { text: "Sentence: " }), ev.sentence));
    body.append(facts(ev), markLegend());
    d.reports.forEach((view, i) => body.append(reportSection(view, i)));
    dialog.dataset.eventId = id;
    $("#detail-close").focus({ preventScroll: true });
    body.scrollTop = 0;
    for (const box of body.querySelectorAll(".article-text")) scrollToMark(box);
  } catch (e) {
    clearChildren(body);
    body.append(el("p", { class: "error", text: `Could not load the event: ${e.message}` }));
  }
}

function closeDetail() {
  const dialog = $("#detail");
  dialog.close();
}

// ---- code an article ---------------------------------------------------------------------------------

async function codeArticle(ev) {
  ev.preventDefault();
  const form = $("#code-form");
  const status = $("#code-status");
  const list = $("#code-results");
  const text = form.elements.text.value;
  status.className = "";
  if (!text.trim()) { status.textContent = "Paste an article first."; status.className = "error"; return; }
  const body = { text, published: form.elements.published.value || null, title: form.elements.title.value || null,
    outlet: form.elements.outlet.value || null };
  const headers = { "Content-Type": "application/json" };
  const token = $("#code-token").value;
  if (token) headers.Authorization = `Bearer ${token}`;
  $("#code-submit").disabled = true;
  status.textContent = "Coding… (the first article loads the English model, a few seconds)";
  clearChildren(list);
  try {
    const res = await api("/api/code", {}, { method: "POST", headers, body: JSON.stringify(body) });
    const n = res.events.length;
    status.textContent = `${n} event${n === 1 ? "" : "s"} coded${res.stored ? " and stored" : " (not stored: read-only server)"}.`;
    for (const v of res.events) {
      const r = v.report;
      const sentence = v.evidence.sentence;
      const marks = sentence ? v.evidence.marks.filter((m) => m.start >= sentence[0] && m.end <= sentence[1]) : v.evidence.marks;
      const lo = sentence ? sentence[0] : Math.max(0, r.span[0] - 200);
      const hi = sentence ? sentence[1] : Math.min(res.article.text.length, r.span[1] + 200);
      const shifted = marks.map((m) => ({ ...m, start: m.start - lo, end: m.end - lo }));
      const excerpt = markedText(res.article.text.slice(lo, hi), shifted, null);
      excerpt.classList.add("sentence");
      const item = el("li", { class: "coded-event", "data-event-id": v.event_id || "" },
        el("div", {}, typeChip(r.event_type, r.quad_class), ` ${r.date || ""} · ${partyText(r.actor) || "?"} → ${partyText(r.recipient) || "—"}`,
          r.location ? ` · ${r.location.name}` : "", ` · ${r.factuality}`),
        excerpt,
        el("p", { class: "hint", text: `rule ${r.coder}` }));
      if (v.event_id) item.append(el("button", { type: "button", class: "small secondary", onclick: (e) => openEvent(v.event_id, e.target) }, "Open event"));
      list.append(item);
    }
    if (res.stored) { await loadMeta(); refresh(); }
  } catch (e) {
    status.textContent = `Error (${e.code || e.status}): ${e.message}`;
    status.className = "error";
  } finally {
    $("#code-submit").disabled = false;
  }
}

// ---- start -------------------------------------------------------------------------------------------

async function loadMeta() {
  state.meta = await api("/api/meta");
}

let actorTimer = null;
function suggestActors(ev) {
  clearTimeout(actorTimer);
  const q = ev.target.value.trim();
  if (q.length < 2) return;
  actorTimer = setTimeout(async () => {
    const res = await api("/api/actors", { q, limit: 20 }).catch(() => null);
    if (!res) return;
    const list = $("#actor-options");
    clearChildren(list);
    for (const a of res.items) list.append(el("option", { value: a.id, label: `${a.name} (${a.country || "—"}, ${a.n_reports} reports)` }));
    if (res.items.length && !res.items.some((a) => a.country === q.toUpperCase())) return;
    if (q.length === 3) list.prepend(el("option", { value: q.toUpperCase(), label: "country code" }));
  }, 200);
}

async function start() {
  await loadMeta();
  for (const t of state.meta.event_types) $("#f-type").append(el("option", { value: t, text: t }));
  for (const f of state.meta.factuality) $("#f-factuality").append(el("option", { value: f, text: f }));
  if (state.meta.token_required) $("#token-field").hidden = false;
  loadHash();
  writeForm();
  $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); readForm(); state.offset = 0; saveHash(); refresh(); });
  $("#clear").addEventListener("click", () => { state.filters = {}; state.level = "events"; state.offset = 0; writeForm(); saveHash(); refresh(); });
  $("#clear-dates").addEventListener("click", () => setFilters({ start: null, end: null }));
  $("#timeline-by").addEventListener("change", (ev) => { state.timelineBy = ev.target.value; refresh(); });
  $("#timeline").addEventListener("keydown", moveBrush);
  $("#prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); refresh(); });
  $("#next").addEventListener("click", () => { state.offset += state.limit; refresh(); });
  $("#detail-close").addEventListener("click", closeDetail);
  $("#detail").addEventListener("close", () => { const t = $("#detail").returnFocusTo; if (t && t.focus) t.focus(); });
  $("#code-form").addEventListener("submit", codeArticle);
  $("#f-actor").addEventListener("input", suggestActors);
  $("#f-recipient").addEventListener("input", suggestActors);
  $("#map").addEventListener("keydown", mapKeys);
  $("#zoom-in").addEventListener("click", () => { const [W, H] = mapSize(); zoomAt(W / 2, H / 2, 1.5); });
  $("#zoom-out").addEventListener("click", () => { const [W, H] = mapSize(); zoomAt(W / 2, H / 2, 1 / 1.5); });
  $("#zoom-reset").addEventListener("click", () => { state.mapView = { k: 1, x: 0, y: 0 }; renderMap(); });
  $("#map-filter").addEventListener("click", () => setFilters({ bbox: state.mapView.k > 1 ? mapBbox() : null }));
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(refresh, 250); });
  await loadWorld().catch(() => null);
  await refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((e) => { $("#summary").textContent = `Error: ${e.message}`; });
});
