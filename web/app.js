// ldb ui: the thumbnail grid, the query box and the object panel (docs/ui.md).
// Plain JavaScript, no framework, nothing loaded from elsewhere. The grid is
// virtualized: only the rows in view (and a few around them) are in the DOM,
// and ids come from the server a page at a time, so a million objects cost
// what a screenful does.
"use strict";

const PAGE = 500;         // ids per /api/objects request
const OVERSCAN_ROWS = 3;  // rows kept above and below the view
const QUERY_DELAY_MS = 200;

const $ = (id) => document.getElementById(id);
const grid = $("grid");
const sizer = $("grid-sizer");
const queryInput = $("query");
const objectsInput = $("objects");
const tagsInput = $("tags");
const queryError = $("query-error");
const countView = $("count");
const panel = $("panel");

// The token is in the cookie now; drop it from the address bar and history.
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", "/");

// ---- the selection ----------------------------------------------------------

// What the grid shows: the server's parameters, a generation number (answers
// to an older selection are dropped), its size and the pages fetched so far.
let selection = { params: "", generation: 0, count: 0, pages: new Map() };

// Filters a view sets (a bar of the statistics, a lasso in the embedding…),
// each shown as a chip under the query box until its × removes it. They
// follow the inputs' own parameters, so the query box's `query` comes first.
let filters = [];  // [{ param, value, label }]

function selectionParams() {
  const p = new URLSearchParams();
  for (const ident of objectsInput.value.split(/\s+/).filter(Boolean)) p.append("objects", ident);
  if (tagsInput.value.trim()) p.append("tag", tagsInput.value.trim());
  if (queryInput.value.trim()) p.append("query", queryInput.value);
  for (const f of filters) p.append(f.param, f.value);
  return p.toString();
}

function renderChips() {
  const chips = $("chips");
  chips.replaceChildren();
  filters.forEach((f, index) => {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.dataset.testid = "filter-chip";
    chip.dataset.param = f.param;
    chip.textContent = f.label || `${f.param} ${f.value}`;
    chip.title = `${f.param}=${f.value}`;
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.title = "remove this filter";
    close.dataset.testid = "filter-chip-remove";
    close.addEventListener("click", () => {
      filters.splice(index, 1);
      renderChips();
      refresh();
    });
    chip.append(close);
    chips.append(chip);
  });
}

async function getJson(url, init) {
  const res = await fetch(url, { credentials: "same-origin", ...init });
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const error = (body && body.error) || { message: `${res.status} ${res.statusText}`, hint: "" };
    throw Object.assign(new Error(error.message), { detail: error });
  }
  return body;
}

// A request that changes the instance: JSON both ways, with the header the
// server requires of a write (X-Ldb: a cross-site form cannot send it) and
// the page's origin in Origin (the page's no-referrer policy would send
// "null", which the server refuses).
function postJson(url, body) {
  return getJson(url, {
    method: "POST",
    referrerPolicy: "same-origin",
    headers: { "Content-Type": "application/json", "X-Ldb": "1" },
    body: JSON.stringify(body),
  });
}

function showQueryError(detail) {
  if (!detail) {
    queryError.hidden = true;
    queryInput.classList.remove("bad");
    return;
  }
  // The caret goes under the query box only for its own expression: the
  // first `query` (index 0); a view's filters follow it.
  const own = Boolean(detail.column) && (detail.field === undefined ||
    (detail.field === "query" && !detail.index && queryInput.value.trim() !== ""));
  queryInput.classList.toggle("bad", own || !detail.column);
  const caret = queryError.querySelector(".caret");
  if (own) {
    caret.textContent = `${queryInput.value}\n${" ".repeat(detail.column - 1)}^`;
    caret.hidden = false;
  } else {
    caret.hidden = true;
  }
  queryError.querySelector(".message").textContent = detail.message || "";
  // The server's hint repeats the query with its own caret; show the rest
  // (all of it for a filter's expression: its caret is there).
  queryError.querySelector(".hint").textContent = own ? "" : detail.hint || "";
  queryError.dataset.column = own ? String(detail.column) : "";
  queryError.hidden = false;
}

// Asks for the selection the inputs describe; on success the grid shows it
// from the top, on an error the grid keeps what it showed and the error is
// drawn under the query box.
let latestRequest = 0;
async function refresh() {
  const params = selectionParams();
  const request = ++latestRequest;
  countView.classList.add("busy");
  try {
    const first = await getJson(`/api/objects?${params}&offset=0&limit=${PAGE}`);
    if (request !== latestRequest) return;
    showQueryError(null);
    selection = { params, generation: selection.generation + 1, count: first.count, pages: new Map([[0, first.ids]]) };
    countView.textContent = `${first.count.toLocaleString()} object${first.count === 1 ? "" : "s"}`;
    countView.dataset.count = String(first.count);
    grid.scrollTop = 0;
    layout();
    for (const listener of selectionListeners) listener(selection);
  } catch (e) {
    if (request !== latestRequest) return;
    showQueryError(e.detail || { message: e.message });
  } finally {
    if (request === latestRequest) countView.classList.remove("busy");
  }
}

let queryTimer = 0;
function refreshSoon() {
  clearTimeout(queryTimer);
  queryTimer = setTimeout(refresh, QUERY_DELAY_MS);
}
for (const input of [queryInput, objectsInput, tagsInput]) {
  input.addEventListener("input", refreshSoon);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { clearTimeout(queryTimer); refresh(); }
  });
}

// The ids of page `index`, fetched once; null while they are on their way.
function page(index) {
  const known = selection.pages.get(index);
  if (known !== undefined) return known;
  const generation = selection.generation;
  selection.pages.set(index, null);
  getJson(`/api/objects?${selection.params}&offset=${index * PAGE}&limit=${PAGE}`)
    .then((body) => {
      if (generation !== selection.generation) return;
      selection.pages.set(index, body.ids);
      render();
    })
    .catch(() => { if (generation === selection.generation) selection.pages.delete(index); });
  return null;
}

// ---- the virtualized grid ---------------------------------------------------

let cellSize = 168;
let columns = 1;
const shown = new Map();  // position -> element in the DOM
let selectedId = null;
// Browsers cap an element's height (Chromium near 33.5 million pixels: 1.4M
// objects at 7 a row); past MAX_HEIGHT the scroll range stands for the whole
// grid at a scale, and the cells in view are placed relative to it.
const MAX_HEIGHT = 15e6;
let scale = 1;  // grid pixels per scrolled pixel

function layout() {
  cellSize = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--cell")) || 168;
  columns = Math.max(1, Math.floor(grid.clientWidth / cellSize));
  const total = Math.ceil(selection.count / columns) * cellSize;
  const height = Math.min(total, MAX_HEIGHT);
  const view = grid.clientHeight;
  scale = total > height && height > view ? (total - view) / (height - view) : 1;
  sizer.style.height = `${height}px`;
  for (const el of shown.values()) el.remove();
  shown.clear();
  render();
}

// Where the grid's pixel `y` is drawn inside the scrolled content.
const placed = (y, top) => y - top + grid.scrollTop;

function makeCell(position, id, top) {
  const cell = document.createElement("div");
  cell.className = "cell";
  cell.dataset.testid = "grid-item";
  cell.dataset.objectId = id;
  cell.dataset.position = String(position);
  cell.title = `id:${id}`;
  cell.style.left = `${(position % columns) * cellSize + 4}px`;
  cell.style.top = `${placed(Math.floor(position / columns) * cellSize, top) + 4}px`;
  if (id === selectedId) cell.classList.add("selected");
  const img = document.createElement("img");
  img.alt = "";
  img.decoding = "async";
  img.src = `/api/thumb/${id}`;
  img.addEventListener("error", () => cell.classList.add("failed"));
  cell.append(img);
  return cell;
}

function render() {
  const top = grid.scrollTop * scale;  // the grid's pixel at the top of the view
  const firstRow = Math.max(0, Math.floor(top / cellSize) - OVERSCAN_ROWS);
  const lastRow = Math.ceil((top + grid.clientHeight) / cellSize) + OVERSCAN_ROWS;
  const begin = firstRow * columns;
  const end = Math.min(selection.count, lastRow * columns);
  for (const [position, el] of shown) {
    if (position < begin || position >= end) {
      el.remove();
      shown.delete(position);
    } else if (scale !== 1) {
      el.style.top = `${placed(Math.floor(position / columns) * cellSize, top) + 4}px`;
    }
  }
  const fragment = document.createDocumentFragment();
  for (let position = begin; position < end; position++) {
    if (shown.has(position)) continue;
    const ids = page(Math.floor(position / PAGE));
    if (!ids) continue;
    const id = ids[position % PAGE];
    if (id === undefined) continue;
    const cell = makeCell(position, id, top);
    shown.set(position, cell);
    fragment.append(cell);
  }
  grid.append(fragment);
}

let frame = 0;
grid.addEventListener("scroll", () => {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; render(); });
});
new ResizeObserver(() => layout()).observe(grid);
grid.addEventListener("click", (e) => {
  const cell = e.target.closest(".cell");
  if (cell) openObject(cell.dataset.objectId);
});

// ---- the object panel -------------------------------------------------------

const PALETTE = ["#5aa9ff", "#ffb454", "#7bd88f", "#ff6b9a", "#c792ea", "#4dd0e1", "#f78c6c", "#d4e157"];
function colorOf(label) {
  let h = 0;
  for (const c of String(label)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

// The boxes of ldb's detection shape: "objects": [{"bbox": [x, y, w, h],
// "category" (or "category_id")}], in pixels of the image as displayed.
function boxesOf(annotation) {
  const objects = annotation && Array.isArray(annotation.objects) ? annotation.objects : [];
  const out = [];
  for (const o of objects) {
    if (!o || !Array.isArray(o.bbox) || o.bbox.length !== 4 || !o.bbox.every((v) => typeof v === "number")) continue;
    const label = o.category ?? o.category_id ?? o.label ?? "";
    out.push({ box: o.bbox, label: typeof label === "object" ? JSON.stringify(label) : String(label) });
  }
  return out;
}

function drawBoxes(svg, annotation, width, height) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const ns = "http://www.w3.org/2000/svg";
  const boxes = boxesOf(annotation);
  // Boxes of at most 1 on every side are fractions of the image (YOLO-like).
  const fractional = boxes.length > 0 && boxes.every(({ box }) => box.every((v) => v >= 0 && v <= 1));
  for (const { box, label } of boxes) {
    let [x, y, w, h] = box;
    if (fractional) { x *= width; y *= height; w *= width; h *= height; }
    const color = colorOf(label);
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", x); rect.setAttribute("y", y);
    rect.setAttribute("width", w); rect.setAttribute("height", h);
    rect.setAttribute("stroke", color);
    rect.setAttribute("data-testid", "object-box");
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", x + 2);
    text.setAttribute("y", Math.max(y - 4, 12 * height / Math.max(1, svg.clientHeight || height)));
    text.setAttribute("fill", color);
    text.setAttribute("font-size", String(Math.max(10, height / 30)));
    text.textContent = label;
    svg.append(rect, text);
  }
}

function fact(name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  if (Array.isArray(value)) {
    const ul = document.createElement("ul");
    for (const v of value) {
      const li = document.createElement("li");
      li.textContent = v;
      ul.append(li);
    }
    if (!value.length) ul.textContent = "—";
    dd.append(ul);
  } else {
    dd.textContent = value;
  }
  return [dt, dd];
}

const time = (seconds) => (seconds ? new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) : "—");

let panelRequest = 0;
async function openObject(id) {
  const request = ++panelRequest;
  selectedId = id;
  for (const el of shown.values()) el.classList.toggle("selected", el.dataset.objectId === id);
  let details;
  try {
    details = await getJson(`/api/object/${id}`);
  } catch (e) {
    details = { id, error: e.message };
  }
  if (request !== panelRequest) return;
  $("panel-id").textContent = `id:${id}`;
  panel.dataset.objectId = id;
  const facts = $("panel-facts");
  facts.replaceChildren();
  if (details.error) {
    facts.append(...fact("error", details.error));
  } else {
    facts.append(
      ...fact("size", `${details.size.toLocaleString()} bytes`),
      ...fact("paths", details.paths),
      ...fact("tags", details.tags),
      ...fact("datasets", details.datasets),
      ...fact("annotation", details.current_version ? `version ${details.current_version} of ${details.versions.length}` : "none"),
      ...fact("indexed", `${time(details.first_indexed)} (last ${time(details.last_indexed)})`),
    );
  }
  $("panel-annotation").textContent = details.annotation ? JSON.stringify(details.annotation, null, 2) : "none";
  const img = $("panel-image");
  const svg = $("panel-boxes");
  svg.replaceChildren();
  img.onload = () => {
    if (request !== panelRequest) return;
    const image = details.annotation && details.annotation.image;
    // Boxes are in the annotation's image size when it gives one.
    const width = (image && image.width) || img.naturalWidth;
    const height = (image && image.height) || img.naturalHeight;
    drawBoxes(svg, details.annotation, width, height);
  };
  img.src = `/api/file/${id}`;
  panel.hidden = false;
  layout();
  for (const listener of objectListeners) listener(id, details);
}

function closePanel() {
  panel.hidden = true;
  selectedId = null;
  panelRequest++;
  layout();
}
$("panel-close").addEventListener("click", closePanel);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !panel.hidden) closePanel();
});

// ---- the views beside the grid ---------------------------------------------

// A view is a file of its own in web/ (loaded after this one) that calls
// ldb.registerView; its tab shows it in the pane beside the grid, and a
// second click on the tab hides the pane.
const views = new Map();  // name -> { tab, element, onShow }
const viewPane = $("view-pane");
const selectionListeners = [];
const objectListeners = [];  // called with (id, details) when the object panel shows an object

function showView(name) {
  const next = viewPane.hidden || viewPane.dataset.view !== name ? name : null;
  for (const [viewName, view] of views) {
    const active = viewName === next;
    view.tab.classList.toggle("active", active);
    view.tab.setAttribute("aria-selected", String(active));
    view.element.hidden = !active;
  }
  viewPane.hidden = next === null;
  viewPane.dataset.view = next || "";
  layout();
  if (next) views.get(next).onShow?.(selection);
}

function registerView({ name, title, onShow }) {
  const tab = document.createElement("button");
  tab.type = "button";
  tab.className = "tab";
  tab.textContent = title;
  tab.setAttribute("role", "tab");
  tab.dataset.testid = `view-tab-${name}`;
  tab.addEventListener("click", () => showView(name));
  $("view-tabs").append(tab);
  const element = document.createElement("div");
  element.className = "view";
  element.dataset.view = name;
  element.hidden = true;
  viewPane.append(element);
  views.set(name, { tab, element, onShow });
  return element;
}

// What the views may use. The grid's selection is `selection` (params, count,
// generation); onSelection listeners run each time the grid shows a new one.
window.ldb = {
  getJson,
  refresh,
  openObject,
  registerView,
  showView,
  selectionParams,
  get selection() { return selection; },
  isShown(name) { return !viewPane.hidden && viewPane.dataset.view === name; },
  onSelection(listener) { selectionListeners.push(listener); },
  onObject(listener) { objectListeners.push(listener); },
  postJson,
  // Adds a filter chip (replacing one with the same param and value) and
  // shows the grid it selects.
  addFilter(filter) {
    filters = filters.filter((f) => !(f.param === filter.param && f.value === filter.value));
    filters.push(filter);
    renderChips();
    return refresh();
  },
  removeFilters(predicate) {
    filters = filters.filter((f) => !predicate(f));
    renderChips();
    return refresh();
  },
  get filters() { return filters.slice(); },
};

// The first selection once every view has registered (deferred scripts run
// in order, before DOMContentLoaded).
document.addEventListener("DOMContentLoaded", () => refresh());
