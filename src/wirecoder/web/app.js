// wirecoder workbench: plain JS + SVG, no build step, nothing loaded from outside this server.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const QUAD_COLORS = { 1: "#3a6a9e", 2: "#1f7a4d", 3: "#a35c00", 4: "#b3261e" };
const TYPE_COLORS = ["#3a6a9e", "#1f7a4d", "#a35c00", "#b3261e", "#6a4c93", "#00838f", "#8d6e63", "#5d6d7e",
  "#ad1457", "#558b2f", "#e65100", "#283593", "#00695c", "#6d4c41", "#7b1fa2", "#37474f"];
const FILTER_LABELS = { start: "from", end: "to", actor: "actor", recipient: "recipient", sector: "actor sector",
  recipient_sector: "recipient sector", event_type: "event type", factuality: "factuality", place: "place",
  source: "source", bbox: "map box" };
const FILTER_KEYS = Object.keys(FILTER_LABELS); // the API's filter parameters (docs/api.md, "Filters")
const MARK_LABELS = { trigger: "trigger", actor: "actor", recipient: "recipient", date: "date phrase",
  place: "place", source: "attribution source" };
const TABLE_COLUMNS = 9;
const POLL_MS = 5000; // how often the page asks whether the store has changed (`wirecoder code` writing to it)
const DAY_MS = 86400000;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const state = {
  filters: {},
  level: "events",
  offset: 0,
  limit: 50,
  timelineBy: "quad",
  event: null,       // the open event's id
  mapView: null,     // {k: zoom, cx, cy: centre in map units}; null: fit the view's places
  meta: null,
  world: null,
  map: { points: [], total: 0, unplaced: 0 },
  loadSeq: 0,
  shownHash: "",     // the URL hash of the view on screen
  loadedKey: null,   // what the panels were loaded for (dataKey)
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
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c);
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

function plural(n, one, many = one + "s") { return `${n.toLocaleString()} ${n === 1 ? one : many}`; }

function partyText(list) {
  if (!list || !list.length) return "";
  return list.map((e) => {
    const code = (e.country || "") + (e.sector || "");
    return code && code !== e.name ? `${e.name} (${code})` : e.name;
  }).join("; ");
}

function placeText(loc) {
  if (!loc) return "";
  const where = [loc.name, loc.admin1_name].filter(Boolean).join(", ");
  const country = loc.country_name || loc.country;
  return country && country !== loc.name ? `${where} (${country})` : where;
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

function unitName() { return state.level === "events" ? "event" : "report"; }

// ---- the view in the URL: filters, level, page, stacking, open event, map view ---------------------------

function viewParams() {
  const p = {};
  for (const k of FILTER_KEYS) if (state.filters[k]) p[k] = state.filters[k];
  if (state.level !== "events") p.level = state.level;
  if (state.offset) p.offset = state.offset;
  if (state.timelineBy !== "quad") p.by = state.timelineBy;
  if (state.event) p.event = state.event;
  if (state.mapView) p.map = mapParam(state.mapView);
  return p;
}

function viewHash() { const h = query(viewParams()).slice(1); return h ? "#" + h : ""; }

function currentHash() { return location.hash.length > 1 ? location.hash : ""; }

function setUrl(hash, push) {
  const url = hash || location.pathname + location.search;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

// A user's change adds one history entry (pans and zooms of the map only rewrite the current one).
function saveView(push = true) {
  const h = viewHash();
  state.shownHash = h;
  if (h !== currentHash()) setUrl(h, push);
}

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  state.filters = {};
  for (const k of FILTER_KEYS) if (q.get(k)) state.filters[k] = q.get(k);
  state.level = q.get("level") === "reports" ? "reports" : "events";
  state.offset = Math.max(0, parseInt(q.get("offset"), 10) || 0);
  state.timelineBy = q.get("by") === "type" ? "type" : "quad";
  state.event = q.get("event") || null;
  state.mapView = parseMap(q.get("map"));
  state.shownHash = viewHash();
  if (state.shownHash !== currentHash()) setUrl(state.shownHash, false); // tidy the link, adding no entry
}

// Back, Forward, a pasted or edited link: show the view the URL names.
function showHash() {
  if (currentHash() === state.shownHash) return;
  readHash();
  writeForm();
  if (dataKey() !== state.loadedKey) refresh();
  else renderMap();
  syncDetail();
}

// What the panels' data depends on; the open event and the map view do not need a reload.
function dataKey() { return query({ ...filterParams(), offset: state.offset, by: state.timelineBy }); }

// ---- filters ---------------------------------------------------------------------------------------

function readForm() {
  const form = $("#filters");
  const f = {};
  for (const k of FILTER_KEYS) {
    const input = form.elements[k];
    if (input && input.value.trim()) f[k] = input.value.trim();
  }
  for (const k of ["sector", "recipient_sector"]) if (f[k]) f[k] = f[k].toUpperCase(); // codes, as in the chips
  state.level = form.elements.level.value;
  state.filters = f;
}

function writeForm() {
  const form = $("#filters");
  for (const k of FILTER_KEYS) if (form.elements[k]) form.elements[k].value = state.filters[k] || "";
  form.elements.level.value = state.level;
  $("#timeline-by").value = state.timelineBy;
}

// A new filter: first page, the map fitted to the new view's places, one history entry.
function applyFilters() {
  state.offset = 0;
  state.mapView = null;
  writeForm();
  saveView();
  refresh();
}

function setFilters(changes) {
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") delete state.filters[k];
    else state.filters[k] = v;
  }
  applyFilters();
}

function renderChips() {
  const box = $("#active-filters");
  clearChildren(box);
  for (const k of FILTER_KEYS) {
    if (!state.filters[k]) continue;
    box.append(el("span", { class: "chip" }, `${FILTER_LABELS[k]}: ${state.filters[k]}`,
      el("button", { type: "button", "aria-label": `Remove filter ${FILTER_LABELS[k]}`, onclick: () => setFilters({ [k]: null }) }, "×")));
  }
}

// ---- export --------------------------------------------------------------------------------------------

function exportHref() {
  const format = $("#export-format").value;
  const columns = format === "plover-jsonl" ? null : $("#export-columns").value;
  return "/api/export" + query(filterParams({ format, columns }));
}

function updateExport(total) {
  const link = $("#export-link");
  link.href = exportHref();
  $("#export-columns").disabled = $("#export-format").value === "plover-jsonl";
  if (total !== undefined) link.dataset.total = String(total);
  const n = Number(link.dataset.total || 0);
  const format = $("#export-format").selectedOptions[0].textContent;
  link.setAttribute("aria-label", `Download the ${plural(n, unitName())} of this view as ${format}`);
}

// ---- loading ---------------------------------------------------------------------------------------

async function refresh() {
  const seq = ++state.loadSeq;
  state.loadedKey = dataKey();
  renderChips();
  updateExport();
  const summary = $("#summary");
  summary.classList.remove("error");
  try {
    const [meta, page, stats, timeline, network, points] = await Promise.all([
      api("/api/meta"),
      api("/api/events", filterParams({ limit: state.limit, offset: state.offset, order: "desc" })),
      api("/api/stats", filterParams({ top: 5 })),
      api("/api/timeline", filterParams({ by: state.timelineBy, interval: "auto" }, ["start", "end"])),
      api("/api/network", filterParams({ limit: 80 })),
      api("/api/map", filterParams({ limit: 2000 }, ["bbox"])),
    ]);
    if (seq !== state.loadSeq) return; // a newer refresh started
    state.meta = meta;
    $("#updates").hidden = true;
    renderSummary(stats, page);
    renderTable(page);
    updateExport(page.total);
    renderTimeline(timeline);
    renderNetwork(network);
    state.map = points;
    renderMap();
    document.body.dataset.loaded = String(seq);
  } catch (e) {
    if (seq !== state.loadSeq) return;
    summary.textContent = `Error: ${e.message}`;
    summary.classList.add("error");
  }
}

// The store may grow while the page is open (`wirecoder code`, another analyst's paste): offer a refresh.
async function checkForUpdates() {
  if (document.hidden || !state.meta) return;
  const meta = await api("/api/meta").catch(() => null);
  if (!meta || !state.meta) return;
  const before = state.meta.counts, now = meta.counts;
  const changed = Object.keys(now).some((k) => now[k] !== before[k]);
  $("#updates").hidden = !changed;
  if (!changed) return;
  const added = now.events - before.events;
  $("#updates-text").textContent = added > 0 ? `${plural(added, "new event")} in the store.`
    : "The store has changed.";
}

function renderSummary(stats, page) {
  const quads = Object.fromEntries(stats.by_quad.map((q) => [q.quad_class, q.n]));
  const coop = (quads[1] || 0) + (quads[2] || 0);
  const conf = (quads[3] || 0) + (quads[4] || 0);
  const what = state.level === "events" ? "events" : "reports";
  $("#summary").textContent = stats.total || !page.why
    ? `${stats.total.toLocaleString()} ${what} match — ${coop.toLocaleString()} cooperative, ${conf.toLocaleString()} conflictual`
    : `0 ${what} match: ${page.why}`;
}

// ---- table -----------------------------------------------------------------------------------------

function whatHappened(r) {
  // the trigger in bold inside a short excerpt of its sentence
  const sentence = r.sentence || "", trigger = r.event_text || "";
  const i = trigger ? sentence.toLowerCase().indexOf(trigger.toLowerCase()) : -1;
  const reach = 60;
  const parts = i < 0 ? [el("strong", { text: trigger }), sentence ? ` — ${clip(sentence, 2 * reach)}` : ""]
    : [(i > reach ? "…" : "") + sentence.slice(Math.max(0, i - reach), i),
      el("strong", { text: sentence.slice(i, i + trigger.length) }),
      sentence.slice(i + trigger.length, i + trigger.length + reach) + (i + trigger.length + reach < sentence.length ? "…" : "")];
  if (r.factuality && r.factuality !== "asserted") parts.push(" ", el("span", { class: "tag", text: r.factuality }));
  return parts;
}

function clip(text, n) { return text.length > n ? text.slice(0, n) + "…" : text; }

function dateCell(r) {
  const fallback = r.date_source === "published";
  return el("td", { "data-date": r.date || "" }, r.date || "undated",
    fallback ? el("span", { class: "date-fallback", title: "No date in the text: the article's publication date",
      text: " pub." }) : null);
}

function renderTable(page) {
  const body = $("#events-table tbody");
  clearChildren(body);
  if (!page.items.length) {
    const text = page.total ? "No events on this page." : `No ${unitName()}s match these filters.${page.why ? " " + page.why : ""}`;
    body.append(el("tr", {}, el("td", { colspan: TABLE_COLUMNS, class: "empty", id: "why", text })));
  }
  for (const r of page.items) {
    const id = state.level === "reports" ? r.cluster_id : r.event_id;
    const countries = [...(r.actor || []), ...(r.recipient || [])].map((e) => e.country).filter(Boolean);
    const codes = (list) => (list || []).map((e) => (e.country || "") + (e.sector || "")).join(" ");
    const row = el("tr", {
      tabindex: 0, "data-event-id": id, "data-actor-countries": (r.actor || []).map((e) => e.country).join(" "),
      "data-actor-sectors": (r.actor || []).map((e) => e.sector).join(" "),
      "data-recipient-sectors": (r.recipient || []).map((e) => e.sector).join(" "),
      "data-actor-codes": codes(r.actor), "data-countries": countries.join(" "),
      "aria-label": `Open ${r.event_type} event of ${r.date || "unknown date"}`,
    },
    dateCell(r),
    el("td", { title: `CAMEO ${r.cameo || "—"}` }, typeChip(r.event_type, r.quad_class)),
    el("td", { class: "what" }, whatHappened(r)),
    el("td", { text: partyText(r.actor) }),
    el("td", { text: partyText(r.recipient) }),
    el("td", { text: placeText(r.location) }),
    el("td", { text: r.attribution ? r.attribution.source : "" }),
    el("td", { text: r.outlet || "" }),
    el("td", { class: "num", title: r.n_reports ? plural(r.n_reports, "report") : null, text: String(r.n_sources || 1) }));
    row.addEventListener("click", () => openEvent(id, row));
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openEvent(id, row); }
      else if (ev.key === "ArrowDown" && row.nextElementSibling) { ev.preventDefault(); row.nextElementSibling.focus(); }
      else if (ev.key === "ArrowUp" && row.previousElementSibling) { ev.preventDefault(); row.previousElementSibling.focus(); }
    });
    body.append(row);
  }
  const first = page.items.length ? page.offset + 1 : 0;
  const last = page.offset + page.items.length;
  $("#page-info").textContent = `${first.toLocaleString()}–${last.toLocaleString()} of ${page.total.toLocaleString()} (newest first)`;
  $("#prev").disabled = page.offset === 0;
  $("#next").disabled = page.next_offset === null;
}

// ---- timeline with brushing ------------------------------------------------------------------------

// The start of the period after the one starting at t (UTC; weeks start on Mondays, as the API's do).
function nextPeriod(t, unit, n = 1) {
  const d = new Date(t);
  if (unit === "day") return t + n * DAY_MS;
  if (unit === "week") return t + 7 * n * DAY_MS;
  if (unit === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  return Date.UTC(d.getUTCFullYear() + n, 0, 1);
}

// The first calendar boundary of a tick step at or after t: a day, a Monday, a month or a year start.
function firstBoundary(t, unit, n) {
  const d = new Date(t);
  let b = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (b < t) b += DAY_MS;
  if (unit === "week") while (new Date(b).getUTCDay() !== 1) b += DAY_MS;
  if (unit === "month") {
    const m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    b = m < t ? nextPeriod(m, "month") : m;
    while (new Date(b).getUTCMonth() % n) b = nextPeriod(b, "month");
  }
  if (unit === "year") {
    const y = Date.UTC(d.getUTCFullYear(), 0, 1);
    b = y < t ? nextPeriod(y, "year") : y;
    while (new Date(b).getUTCFullYear() % n) b = nextPeriod(b, "year");
  }
  return b;
}

const TICK_STEPS = [["day", 1], ["day", 2], ["week", 1], ["week", 2], ["month", 1], ["month", 3], ["month", 6],
  ["year", 1], ["year", 2], ["year", 5], ["year", 10], ["year", 50]];

// Ticks on calendar boundaries, the finest step that gives at most maxTicks.
function calendarTicks(t0, t1, maxTicks) {
  for (const [unit, n] of TICK_STEPS) {
    const ticks = [];
    for (let t = firstBoundary(t0, unit, n); t <= t1 && ticks.length <= maxTicks; t = nextPeriod(t, unit, n)) ticks.push(t);
    if (ticks.length <= maxTicks) return { unit, ticks };
  }
  return { unit: "year", ticks: [] };
}

// "7 Mar", "Apr", "2017": the year is named on the first tick and where it changes.
function tickLabel(t, unit, prev) {
  const d = new Date(t);
  const year = d.getUTCFullYear();
  const newYear = prev === null || new Date(prev).getUTCFullYear() !== year;
  if (unit === "year") return String(year);
  if (unit === "month") return newYear ? `${MONTHS[d.getUTCMonth()]} ${year}` : MONTHS[d.getUTCMonth()];
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return newYear ? `${day} ${year}` : day;
}

function timelineNote(data) {
  const names = { week: "a week", month: "a month", year: "a year" };
  const coarse = Object.entries(data.coarser || {}).filter(([, n]) => n);
  const parts = coarse.map(([p, n], i) => (i === 0 ? `${plural(n, unitName())} dated only to ${names[p] || p}`
    : `${n.toLocaleString()} to ${names[p] || p}`));
  if (data.undated) parts.push(`${plural(data.undated, unitName())} without a date`);
  return parts.length ? `Not drawn on this ${data.interval === "day" ? "daily" : data.interval + "ly"} axis: ${parts.join(", ")}.` : "";
}

function renderTimeline(data) {
  const box = $("#timeline");
  clearChildren(box);
  delete box.dataset.t0;
  $("#timeline-note").textContent = timelineNote(data);
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
  const t1 = nextPeriod(Date.parse(periods[periods.length - 1]), data.interval);
  const x = (t) => m.l + ((t - t0) / (t1 - t0)) * (W - m.l - m.r);
  const xinv = (px) => t0 + ((px - m.l) / (W - m.l - m.r)) * (t1 - t0);
  const y = (n) => H - m.b - (n / maxN) * (H - m.t - m.b);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, "aria-hidden": "true" });
  const axis = svg("g", { class: "axis" });
  axis.append(svg("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  axis.append(svg("text", { x: m.l - 4, y: m.t + 8, "text-anchor": "end", text: String(maxN) }));
  axis.append(svg("text", { x: m.l - 4, y: H - m.b, "text-anchor": "end", text: "0" }));
  const { unit, ticks } = calendarTicks(t0, t1, Math.max(2, Math.floor((W - m.l - m.r) / 80)));
  ticks.forEach((tick, i) => {
    axis.append(svg("line", { x1: x(tick), x2: x(tick), y1: H - m.b, y2: H - m.b + 4, class: "tick", "data-date": isoDay(tick) }));
    axis.append(svg("text", { x: x(tick), y: H - 6, "text-anchor": "middle", text: tickLabel(tick, unit, i ? ticks[i - 1] : null) }));
  });
  root.append(axis);
  const bars = svg("g");
  const usedKeys = new Set();
  for (const p of periods) {
    const ta = Date.parse(p);
    const bx = x(ta);
    const bw = Math.max(1, x(nextPeriod(ta, data.interval)) - bx - 1);
    let acc = 0;
    for (const k of keys) {
      const n = stacks.get(p)[k] || 0;
      if (!n) continue;
      usedKeys.add(k);
      bars.append(svg("rect", { x: bx, y: y(acc + n), width: bw, height: y(acc) - y(acc + n), fill: color(k) },
        svg("title", { text: `${p}: ${n} ${data.by === "quad" ? state.meta.quad_classes[k] : k}` })));
      acc += n;
    }
  }
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
    const b = state.filters.end ? Date.parse(state.filters.end) + DAY_MS : t1;
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
    legend.append(el("span", {}, el("span", { class: "swatch", "data-color": color(k) }),
      data.by === "quad" ? state.meta.quad_classes[k] : k));
  }
  legend.querySelectorAll(".swatch").forEach((s) => { s.style.background = s.dataset.color; });
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
  const step = Math.max(DAY_MS, (t1 - t0) / 10);
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
  $("#network-note").textContent = data.domestic
    ? `Loops are domestic dyads, both sides in one country: ${plural(data.domestic, unitName())}.` : "";
  if (!data.nodes.length) {
    box.append(el("p", { class: "empty", text: "No dyadic events for this filter." }));
    return;
  }
  const W = Math.max(300, box.clientWidth || 480);
  const H = Math.min(Math.round(W * 0.8), 480);
  const cx = W / 2, cy = H / 2, R = Math.min(W, H) / 2 - 56;
  const nodes = data.nodes.slice(0, 40);
  const names = new Map(data.nodes.map((n) => [n.id, n.name || n.id]));
  const maxNode = Math.max(...nodes.map((n) => n.n), 1);
  const pos = new Map();
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
    pos.set(n.id, { x: cx + R * Math.cos(a), y: cy + R * Math.sin(a), a, r: 5 + 12 * Math.sqrt(n.n / maxNode) });
  });
  const maxEdge = Math.max(...data.edges.map((e) => e.n), 1);
  const looped = new Set();
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group",
    "aria-label": `Actor network: ${nodes.length} countries, ${data.edges.length} dyads` });
  const edges = svg("g", { "aria-hidden": "true" });
  for (const e of data.edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    if (!a || !b) continue;
    const conflict = e.n_conflict > e.n_cooperation;
    const domestic = e.source === e.target;
    let d;
    if (domestic) {
      // a loop outside the node, away from the circle's centre
      looped.add(e.source);
      const at = (angle, dist) => `${a.x + dist * Math.cos(a.a + angle)},${a.y + dist * Math.sin(a.a + angle)}`;
      d = `M${at(-0.4, a.r)} C${at(-0.75, a.r + 24)} ${at(0.75, a.r + 24)} ${at(0.4, a.r)}`;
    } else {
      // curve each direction to its own side so A->B and B->A stay apart
      const mx = (a.x + b.x) / 2 + (cx - (a.x + b.x) / 2) * 0.35;
      const my = (a.y + b.y) / 2 + (cy - (a.y + b.y) / 2) * 0.35;
      d = `M${a.x},${a.y} Q${mx + (b.y - a.y) * 0.08},${my - (b.x - a.x) * 0.08} ${b.x},${b.y}`;
    }
    const what = domestic ? `${names.get(e.source)} (${e.source}), domestic` : `${names.get(e.source)} → ${names.get(e.target)}`;
    edges.append(svg("path", {
      d, fill: "none", stroke: conflict ? "#c0392b" : "#1f6fb5", "stroke-opacity": 0.75,
      "stroke-width": 1 + 5 * Math.sqrt(e.n / maxEdge),
      class: `edge ${conflict ? "conflict" : "cooperation"}${domestic ? " domestic" : ""}`,
      "data-source": e.source, "data-target": e.target,
    }, svg("title", { text: `${what}: ${e.n} events (${e.n_cooperation} cooperative, ${e.n_conflict} conflictual)` })));
  }
  root.append(edges);
  const active = state.filters.actor;
  for (const n of nodes) {
    const p = pos.get(n.id);
    const label = n.name && n.name !== n.id ? `${n.name} (${n.id})` : n.id;
    const g = svg("g", { class: "node" + (active === n.id ? " active" : ""), tabindex: 0, role: "button",
      "data-id": n.id, "aria-label": `${label}: ${n.n} events. Filter by this actor` });
    g.append(svg("circle", { cx: p.x, cy: p.y, r: p.r, fill: "#3d4b5c" }));
    const off = p.r + 4 + (looped.has(n.id) ? 22 : 0);
    const lx = p.x + Math.cos(p.a) * off, ly = p.y + Math.sin(p.a) * off;
    g.append(svg("text", { x: lx, y: ly + 4, "text-anchor": Math.cos(p.a) > 0.2 ? "start" : Math.cos(p.a) < -0.2 ? "end" : "middle",
      text: clip(n.name || n.id, 16) }));
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
const MAX_ZOOM = 256;
const FIT_MAX_ZOOM = 64;    // a view with one place shows its region, not its street
const CLUSTER_R = [9, 26];  // circle radius in px for one event and for every event on screen
const CLUSTER_GAP = 2;      // px between neighbouring circles
const MERGE_CELL = 8;       // px: places closer than this would overlap anyway, so they start as one cluster

function project(lon, lat) { return [((lon + 180) / 360) * MAP_W, ((90 - lat) / 180) * MAP_H]; }

function unproject(x, y) { return [(x / MAP_W) * 360 - 180, 90 - (y / MAP_H) * 180]; }

function worldView() { return { k: 1, cx: MAP_W / 2, cy: MAP_H / 2 }; }

function clampView(v) {
  const k = Math.min(MAX_ZOOM, Math.max(1, v.k));
  if (k === 1) return worldView();
  return { k, cx: Math.min(MAP_W, Math.max(0, v.cx)), cy: Math.min(MAP_H, Math.max(0, v.cy)) };
}

// In the URL: zoom/lat/lon of the centre, as map sites write it ("map=8.00/36.200/37.150").
function mapParam(v) {
  const [lon, lat] = unproject(v.cx, v.cy);
  return `${v.k.toFixed(2)}/${lat.toFixed(3)}/${lon.toFixed(3)}`;
}

function parseMap(text) {
  const parts = (text || "").split("/").map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) return null;
  const [k, lat, lon] = parts;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const [cx, cy] = project(lon, lat);
  return clampView({ k, cx, cy });
}

// The view that shows every place of the filter (or the map-box filter's box), with a margin.
function fitView(points, bbox) {
  const xs = [], ys = [];
  if (bbox) {
    const [lon0, lat0, lon1, lat1] = bbox.split(",").map(Number);
    for (const [x, y] of [project(lon0, lat0), project(lon1, lat1)]) { xs.push(x); ys.push(y); }
  } else {
    for (const p of points) { const [x, y] = project(p.lon, p.lat); xs.push(x); ys.push(y); }
  }
  if (!xs.length) return worldView();
  const [W, H] = mapSize();
  const pad = 36;
  const unit = W / MAP_W; // screen px per map unit at zoom 1
  const w = Math.max(...xs) - Math.min(...xs), h = Math.max(...ys) - Math.min(...ys);
  const k = Math.min(FIT_MAX_ZOOM, (W - 2 * pad) / Math.max(w * unit, 1e-9), (H - 2 * pad) / Math.max(h * unit, 1e-9));
  return clampView({ k, cx: (Math.max(...xs) + Math.min(...xs)) / 2, cy: (Math.max(...ys) + Math.min(...ys)) / 2 });
}

async function loadWorld() {
  if (state.world) return state.world;
  const res = await fetch("/static/vendor/countries-110m.json");
  state.world = decodeTopology(await res.json(), "countries");
  return state.world;
}

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

// Clusters that never overlap at this zoom: circles (radius by count) that would touch are merged, the
// closest pairs first, until no two do.
function clusterPlaces(points, toScreen, W, H) {
  const cells = new Map();
  for (const p of points) {
    const [x, y] = toScreen(project(p.lon, p.lat));
    if (x < -CLUSTER_R[1] || y < -CLUSTER_R[1] || x > W + CLUSTER_R[1] || y > H + CLUSTER_R[1]) continue;
    const key = `${Math.floor(x / MERGE_CELL)},${Math.floor(y / MERGE_CELL)}`;
    const c = cells.get(key) || { n: 0, sx: 0, sy: 0, places: [] };
    c.n += p.n; c.sx += x * p.n; c.sy += y * p.n; c.places.push(p);
    cells.set(key, c);
  }
  let clusters = [...cells.values()];
  const total = clusters.reduce((a, c) => a + c.n, 0);
  const radius = (n) => CLUSTER_R[0] + (CLUSTER_R[1] - CLUSTER_R[0]) * Math.sqrt(n / total);
  const reach = 2 * CLUSTER_R[1] + CLUSTER_GAP;
  for (;;) {
    for (const c of clusters) { c.x = c.sx / c.n; c.y = c.sy / c.n; c.r = radius(c.n); }
    clusters.sort((a, b) => a.x - b.x);
    const pairs = [];
    for (let i = 0; i < clusters.length; i++) {
      const a = clusters[i];
      for (let j = i + 1; j < clusters.length && clusters[j].x - a.x < reach; j++) {
        const b = clusters[j];
        const d = Math.hypot(a.x - b.x, a.y - b.y);
        if (d < a.r + b.r + CLUSTER_GAP) pairs.push([d, i, j]);
      }
    }
    if (!pairs.length) return clusters;
    pairs.sort((p, q) => p[0] - q[0]);
    const used = new Set(), merged = [];
    for (const [, i, j] of pairs) {
      if (used.has(i) || used.has(j)) continue;
      used.add(i); used.add(j);
      const a = clusters[i], b = clusters[j];
      merged.push({ n: a.n + b.n, sx: a.sx + b.sx, sy: a.sy + b.sy, places: a.places.concat(b.places) });
    }
    clusters = clusters.filter((_, i) => !used.has(i)).concat(merged);
  }
}

function mapNote() {
  const { points, total, unplaced } = state.map;
  const parts = [];
  if (unplaced) parts.push(`${plural(unplaced, unitName())} ${unplaced === 1 ? "has" : "have"} no place and ${unplaced === 1 ? "is" : "are"} not on the map.`);
  const shown = points.reduce((a, p) => a + p.n, 0);
  if (shown < total) parts.push(`Showing the ${plural(points.length, "busiest place")} (${shown.toLocaleString()} of ${total.toLocaleString()} located).`);
  return parts.join(" ");
}

function renderMap() {
  const box = $("#map");
  clearChildren(box);
  $("#map-note").textContent = mapNote();
  const [W, H] = mapSize();
  const v = state.mapView || fitView(state.map.points, state.filters.bbox);
  const scale = (W / MAP_W) * v.k;
  const toScreen = ([mx, my]) => [(mx - v.cx) * scale + W / 2, (my - v.cy) * scale + H / 2];
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group", "aria-label": "Event map",
    "data-zoom": v.k.toFixed(2) });
  const land = svg("g", { transform: `translate(${W / 2},${H / 2}) scale(${scale}) translate(${-v.cx},${-v.cy})`, "aria-hidden": "true" });
  for (const c of state.world || []) land.append(svg("path", { d: c.d, class: "country", "stroke-width": 0.6 / scale }));
  root.append(land);
  const clusters = clusterPlaces(state.map.points, toScreen, W, H);
  const layer = svg("g");
  for (const c of clusters) {
    const names = c.places.map((p) => placeText({ name: p.name, admin1_name: p.admin1_name, country: p.country,
      country_name: p.country_name })).filter(Boolean);
    const label = c.places.length === 1 ? `${names[0] || "a place"}: ${plural(c.n, unitName())}. Filter by this place`
      : `${c.places.length} places (${names.slice(0, 4).join("; ")}${names.length > 4 ? "; …" : ""}): ${plural(c.n, unitName())}. Zoom in`;
    const g = svg("g", { class: "cluster", tabindex: 0, role: "button", "aria-label": label,
      "data-places": c.places.map((p) => p.name).join("|"), "data-n": c.n },
    svg("circle", { cx: c.x.toFixed(2), cy: c.y.toFixed(2), r: c.r.toFixed(2) }),
    svg("text", { x: c.x, y: c.y, text: String(c.n) }), svg("title", { text: label }));
    const pick = (ev) => {
      ev.stopPropagation();
      if (c.places.length === 1) setFilters({ place: c.places[0].name });
      else {
        const fit = fitView(c.places, null);
        moveMap({ ...fit, k: Math.max(fit.k, v.k * 2) });
      }
    };
    g.addEventListener("click", pick);
    g.addEventListener("pointerdown", (ev) => ev.stopPropagation());
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(ev); } });
    layer.append(g);
  }
  root.append(layer);
  // drag to pan, wheel to zoom
  let drag = null;
  root.addEventListener("pointerdown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, v: { ...v } }; root.setPointerCapture(ev.pointerId); });
  root.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const r = root.getBoundingClientRect();
    const f = W / r.width / scale;
    v.cx = drag.v.cx - (ev.clientX - drag.x) * f;
    v.cy = drag.v.cy - (ev.clientY - drag.y) * f;
    land.setAttribute("transform", `translate(${W / 2},${H / 2}) scale(${scale}) translate(${-v.cx},${-v.cy})`);
  });
  root.addEventListener("pointerup", (ev) => {
    if (!drag) return;
    const moved = Math.hypot(ev.clientX - drag.x, ev.clientY - drag.y) > 2;
    drag = null;
    if (moved) moveMap(v);
  });
  root.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = root.getBoundingClientRect();
    zoomAt(((ev.clientX - r.left) / r.width) * W, ((ev.clientY - r.top) / r.height) * H, ev.deltaY < 0 ? 1.5 : 1 / 1.5);
  }, { passive: false });
  box.append(root);
  box.dataset.clusters = String(clusters.length);
}

function mapSize() {
  const box = $("#map");
  const W = Math.max(300, box.clientWidth || 480);
  return [W, Math.round(W * 0.55)];
}

function currentMapView() { return state.mapView || fitView(state.map.points, state.filters.bbox); }

// A pan or zoom by the analyst: kept in the link, without a history entry of its own.
function moveMap(view) {
  state.mapView = clampView(view);
  saveView(false);
  renderMap();
}

function zoomAt(sx, sy, factor) {
  const v = currentMapView();
  const [W, H] = mapSize();
  const scale = (W / MAP_W) * v.k;
  const mx = v.cx + (sx - W / 2) / scale, my = v.cy + (sy - H / 2) / scale; // the point under the cursor stays put
  const k = Math.min(MAX_ZOOM, Math.max(1, v.k * factor));
  const ns = (W / MAP_W) * k;
  moveMap({ k, cx: mx - (sx - W / 2) / ns, cy: my - (sy - H / 2) / ns });
}

function mapBbox() {
  const v = currentMapView();
  const [W, H] = mapSize();
  const scale = (W / MAP_W) * v.k;
  const [lon0, lat1] = unproject(v.cx - W / 2 / scale, v.cy - H / 2 / scale);
  const [lon1, lat0] = unproject(v.cx + W / 2 / scale, v.cy + H / 2 / scale);
  const c = (x, lo, hi) => Math.min(hi, Math.max(lo, x)).toFixed(3);
  return `${c(lon0, -180, 180)},${c(lat0, -90, 90)},${c(lon1, -180, 180)},${c(lat1, -90, 90)}`;
}

function mapKeys(ev) {
  const [W, H] = mapSize();
  const pan = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[ev.key];
  if (pan) {
    ev.preventDefault();
    const v = currentMapView();
    const scale = (W / MAP_W) * v.k;
    moveMap({ k: v.k, cx: v.cx + (pan[0] * W * 0.15) / scale, cy: v.cy + (pan[1] * H * 0.15) / scale });
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
    ["Date", `${record.date || "unknown"}${record.date_precision ? " (" + record.date_precision + ")" : ""}${record.date_text ? " from “" + record.date_text + "”" : ""}${record.date_source === "published" ? " — the article's publication date: the text gives none" : ""}`],
    ["Place", loc ? placeText(loc) : "—"],
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

// The analyst opens an event: one history entry, so Back closes it again.
function openEvent(id, opener) {
  state.event = id;
  saveView();
  showEvent(id, opener);
}

// Open or close the event dialog to match the URL.
function syncDetail() {
  const dialog = $("#detail");
  if (state.event && (!dialog.open || dialog.dataset.eventId !== state.event)) showEvent(state.event);
  else if (!state.event && dialog.open) dialog.close();
}

async function showEvent(id, opener) {
  const dialog = $("#detail");
  const body = $("#detail-body");
  clearChildren(body);
  body.append(el("p", { text: "Loading…" }));
  $("#detail-title").textContent = "Event";
  dialog.dataset.eventId = id;
  if (!dialog.open) {
    dialog.returnFocusTo = opener || document.activeElement;
    dialog.showModal();
  }
  try {
    const d = await api(`/api/events/${encodeURIComponent(id)}`);
    if (dialog.dataset.eventId !== id) return; // another event was opened meanwhile
    clearChildren(body);
    const ev = d.event;
    $("#detail-title").textContent = `${ev.event_type}: ${partyText(ev.actor) || "?"} → ${partyText(ev.recipient) || "—"}`;
    body.append(el("p", { class: "sentence-quote" }, el("strong", { text: "Sentence: " }), ev.sentence));
    body.append(facts(ev), markLegend());
    d.reports.forEach((view, i) => body.append(reportSection(view, i)));
    $("#detail-close").focus({ preventScroll: true });
    body.scrollTop = 0;
    for (const box of body.querySelectorAll(".article-text")) scrollToMark(box);
  } catch (e) {
    clearChildren(body);
    body.append(el("p", { class: "error", text: `Could not load the event: ${e.message}` }));
  }
}

function closeDetail() {
  $("#detail").close();
}

// The dialog closed (Escape, the Close button, or Back): the analyst's close is a history entry of its own.
function detailClosed() {
  const dialog = $("#detail");
  delete dialog.dataset.eventId;
  if (state.event) { state.event = null; saveView(); }
  const t = dialog.returnFocusTo;
  if (t && t.focus && t.isConnected) t.focus();
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
    if (res.stored) refresh();
  } catch (e) {
    status.textContent = `Error (${e.code || e.status}): ${e.message}`;
    status.className = "error";
  } finally {
    $("#code-submit").disabled = false;
  }
}

// ---- start -------------------------------------------------------------------------------------------

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
  state.meta = await api("/api/meta");
  for (const t of state.meta.event_types) $("#f-type").append(el("option", { value: t, text: t }));
  for (const f of state.meta.factuality) $("#f-factuality").append(el("option", { value: f, text: f }));
  for (const s of state.meta.sectors) $("#sector-options").append(el("option", { value: s }));
  if (state.meta.token_required) $("#token-field").hidden = false;
  readHash();
  writeForm();
  $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); readForm(); applyFilters(); });
  $("#clear").addEventListener("click", () => { state.filters = {}; state.level = "events"; applyFilters(); });
  $("#clear-dates").addEventListener("click", () => setFilters({ start: null, end: null }));
  $("#timeline-by").addEventListener("change", (ev) => { state.timelineBy = ev.target.value; saveView(); refresh(); });
  $("#timeline").addEventListener("keydown", moveBrush);
  $("#prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); saveView(); refresh(); });
  $("#next").addEventListener("click", () => { state.offset += state.limit; saveView(); refresh(); });
  $("#export-format").addEventListener("change", () => updateExport());
  $("#export-columns").addEventListener("change", () => updateExport());
  $("#detail-close").addEventListener("click", closeDetail);
  $("#detail").addEventListener("close", detailClosed);
  $("#code-form").addEventListener("submit", codeArticle);
  $("#f-actor").addEventListener("input", suggestActors);
  $("#f-recipient").addEventListener("input", suggestActors);
  $("#map").addEventListener("keydown", mapKeys);
  $("#zoom-in").addEventListener("click", () => { const [W, H] = mapSize(); zoomAt(W / 2, H / 2, 1.5); });
  $("#zoom-out").addEventListener("click", () => { const [W, H] = mapSize(); zoomAt(W / 2, H / 2, 1 / 1.5); });
  $("#zoom-reset").addEventListener("click", () => moveMap(worldView()));
  $("#zoom-fit").addEventListener("click", () => { state.mapView = null; saveView(false); renderMap(); });
  $("#map-filter").addEventListener("click", () => setFilters({ bbox: currentMapView().k > 1 ? mapBbox() : null }));
  $("#updates-refresh").addEventListener("click", refresh);
  window.addEventListener("popstate", showHash);
  window.addEventListener("hashchange", showHash);
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(refresh, 250); });
  setInterval(checkForUpdates, POLL_MS);
  window.addEventListener("focus", checkForUpdates);
  document.addEventListener("visibilitychange", checkForUpdates);
  await loadWorld().catch(() => null);
  await refresh();
  syncDetail();
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((e) => { $("#summary").textContent = `Error: ${e.message}`; });
});
