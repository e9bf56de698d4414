// The diff view (SPEC section 10): what changed from one dataset version to
// another as `ldb diff` finds it (GET /api/diff): the objects added, removed
// and changed (another annotation version), with thumbnails, a page at a
// time. The two versions default to the latest of the dataset in the objects
// box and the one before it. A click opens the object; "show in grid" shows
// the section's objects in the grid (the side's version, narrowed by an `ids`
// chip) when they are few enough to name.
"use strict";

(() => {
  const IDS_PAGE = 200;
  const MAX_IDS = 200;  // what an ids= chip may name (the server's k_max_ids)
  const SECTIONS = [
    { key: "added", title: "Added", side: "b" },
    { key: "removed", title: "Removed", side: "a" },
    { key: "changed", title: "Changed", side: "b" },
  ];
  const view = ldb.registerView({ name: "diff", title: "Diff", onShow: () => loadDefaults() });

  const { el, thumb, errorLine } = window.ldbKit;

  const panel = el("div", { className: "compare diff", dataset: { testid: "diff-panel" } });
  const inputA = el("input", { spellcheck: false, placeholder: "ds:NAME.v1", dataset: { testid: "diff-a-input" },
                               title: "from: ds:NAME.vN (or empty: the version the workspace was staged from)" });
  const inputB = el("input", { spellcheck: false, placeholder: "ds:NAME.v2", dataset: { testid: "diff-b-input" },
                               title: "to: ds:NAME.vN, ds:NAME (its latest) or workspace" });
  const run = el("button", { type: "button", textContent: "compare", dataset: { testid: "diff-run" } });
  const summary = el("div", { className: "summary", dataset: { testid: "diff-summary" } });
  const { line: error, show: showError } = errorLine("diff-error");
  panel.append(el("div", { className: "toolbar" }, el("label", {}, "from ", inputA), el("label", {}, "to ", inputB), run),
               summary, error);
  const sections = new Map();
  for (const s of SECTIONS) {
    const count = el("span", { className: "count" });
    const show = el("button", { type: "button", className: "show", textContent: "show in grid",
                                dataset: { testid: `diff-show-${s.key}` } });
    const strip = el("div", { className: "strip wrap" });
    const more = el("button", { type: "button", className: "more", hidden: true, dataset: { testid: `diff-more-${s.key}` } });
    const box = el("section", { className: "diff-section", dataset: { testid: `diff-${s.key}`, count: "0" } },
                   el("div", { className: "group-head" }, el("h3", {}, `${s.title} `, count), show), strip, more);
    panel.append(box);
    const state = { ...s, box, count, show, strip, more, total: 0, shown: 0, ids: [] };
    show.addEventListener("click", () => showInGrid(state));
    more.addEventListener("click", () => loadMore(state));
    sections.set(s.key, state);
  }
  view.append(panel);

  // A thumbnail; a changed object's shows its annotation versions, from → to.
  function item(id, versions) {
    if (!versions) return thumb(id, "diff-item");
    return thumb(id, "diff-item", `v${versions[0]}→v${versions[1]}`,
                 `id:${id} (annotation version ${versions[0]} → ${versions[1]})`);
  }

  // What was compared last (the server's a and b), for "show in grid".
  let compared = { a: "", b: "" };

  function fill(state, part, append) {
    if (!append) {
      state.strip.replaceChildren();
      state.shown = 0;
      state.ids = [];
    }
    state.total = part.count;
    part.ids.forEach((id, i) => state.strip.append(item(id, part.versions && part.versions[i])));
    state.ids.push(...part.ids);
    state.shown += part.ids.length;
    state.box.dataset.count = String(part.count);
    state.count.textContent = part.count.toLocaleString();
    state.more.hidden = state.shown >= state.total;
    state.more.textContent = `more (${(state.total - state.shown).toLocaleString()} left)`;
    state.show.disabled = part.count === 0 || part.count > MAX_IDS;
    state.show.title = part.count > MAX_IDS
      ? `${part.count.toLocaleString()} objects: too many to name in the grid (at most ${MAX_IDS})`
      : "show these objects in the grid";
  }

  let request = 0;
  async function load(query) {
    const mine = ++request;
    panel.classList.add("busy");
    try {
      const body = await ldb.getJson(`/api/diff?${query}&offset=0&limit=${IDS_PAGE}`);
      if (mine !== request) return;
      showError(null);
      compared = { a: body.a, b: body.b };
      inputA.value = body.a;
      inputB.value = body.b;
      for (const state of sections.values()) fill(state, body[state.key], false);
      summary.textContent = `${body.a || "the version staged from"} → ${body.b}` +
        (body.transforms_changed ? `; ${body.transforms_changed.toLocaleString()} with other transforms` : "");
    } catch (e) {
      if (mine !== request) return;
      showError(e.detail || { message: e.message });
    } finally {
      if (mine === request) panel.classList.remove("busy");
    }
  }

  async function loadMore(state) {
    const p = new URLSearchParams({ a: compared.a, b: compared.b, section: state.key,
                                    offset: String(state.shown), limit: String(IDS_PAGE) });
    try {
      const body = await ldb.getJson(`/api/diff?${p}`);
      fill(state, body[state.key], true);
    } catch (e) {
      showError(e.detail || { message: e.message });
    }
  }

  function compare() {
    const p = new URLSearchParams();
    if (inputA.value.trim()) p.set("a", inputA.value.trim());
    if (inputB.value.trim()) p.set("b", inputB.value.trim());
    defaultsFor = datasetOfObjects();
    load(p.toString());
  }
  run.addEventListener("click", compare);
  for (const input of [inputA, inputB]) {
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") compare(); });
  }

  // The dataset the objects box names (ds:NAME or ds:NAME.vN, not ds:root), if any.
  function datasetOfObjects() {
    const objects = new URLSearchParams(ldb.selectionParams()).getAll("objects");
    if (objects.length !== 1) return null;
    const match = /^ds:([^.\s]+)(\.v\d+)?$/.exec(objects[0]);
    return match && match[1] !== "root" ? objects[0] : null;
  }

  // The defaults follow the objects box: the dataset's version (its latest
  // for ds:NAME) against the one before; without a dataset there, the
  // workspace against the version it was staged from. Left alone once
  // compared for that dataset.
  let defaultsFor;
  function loadDefaults() {
    const dataset = datasetOfObjects();
    const name = dataset && dataset.replace(/\.v\d+$/, "");
    if (defaultsFor !== undefined && (defaultsFor && defaultsFor.replace(/\.v\d+$/, "")) === name) return;
    defaultsFor = dataset;
    load(dataset ? new URLSearchParams({ dataset }).toString() : "");
  }

  // The objects of a section in the grid: the side's version (ds:root for
  // the workspace, which the UI does not select), narrowed to those ids.
  async function showInGrid(state) {
    if (state.total === 0 || state.total > MAX_IDS) return;
    const side = compared[state.side];
    const objects = document.querySelector('[data-testid="objects-input"]');
    objects.value = side.startsWith("ds:") ? side : "ds:root";
    let ids = state.ids;
    if (ids.length < state.total) {
      const p = new URLSearchParams({ a: compared.a, b: compared.b, section: state.key, offset: "0",
                                      limit: String(MAX_IDS) });
      ids = (await ldb.getJson(`/api/diff?${p}`))[state.key].ids;
    }
    await ldb.removeFilters((f) => f.param === "ids");
    await ldb.addFilter({ param: "ids", value: ids.join(","), label: `${state.key} ${compared.a} → ${compared.b}` });
  }

  ldb.onSelection(() => { if (ldb.isShown("diff")) loadDefaults(); });
})();
