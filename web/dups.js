// The duplicates view (SPEC sections 8 and 10): the near-duplicate groups of
// the grid's selection as `ldb dups` finds them (GET /api/dups), a page of
// groups at a time, each a row of thumbnails with its pHash distance to the
// group's first member. A click opens the object; "show in grid" narrows the
// grid to the group (an `ids` chip); "keep one of each" adds the `dedup`
// filter (the first of each group, at ldb's default threshold).
"use strict";

(() => {
  const GROUPS_PAGE = 50;
  const MAX_IDS = 100;  // members listed per group, and so the largest group "show in grid" names
  const view = ldb.registerView({ name: "dups", title: "Duplicates", onShow: () => load() });

  const { el, thumb, errorLine } = window.ldbKit;

  const panel = el("div", { className: "compare dups", dataset: { testid: "dups-panel" } });
  const threshold = el("input", {
    type: "number", min: "0", max: "64", step: "1", className: "threshold",
    title: "pHash distance in bits under which two images are near duplicates (ldb dups --threshold)",
    dataset: { testid: "dups-threshold" },
  });
  const dedup = el("input", { type: "checkbox", dataset: { testid: "dups-dedup" } });
  const summary = el("div", { className: "summary", dataset: { testid: "dups-summary" } });
  const { line: error, show: showError } = errorLine("dups-error");
  const list = el("div", { className: "groups" });
  const more = el("button", { type: "button", className: "more", hidden: true, textContent: "more groups",
                              dataset: { testid: "dups-more" } });
  panel.append(
    el("div", { className: "toolbar" },
       el("label", {}, "threshold ", threshold),
       el("label", { title: "the grid keeps the first of each group (ldb's --dedup, default threshold)" },
          dedup, " keep one of each")),
    summary, error, list, more);
  view.append(panel);

  // The grid's selection without the chips this view sets: the groups are
  // those of what the user selected, not of one group or of one of each.
  function params() {
    const p = new URLSearchParams(ldb.selectionParams());
    p.delete("ids");
    p.delete("dedup");
    return p;
  }

  function groupRow(group) {
    const members = group.members;  // the first 100 of group.size
    const row = el("div", { className: "group", dataset: { testid: "dups-group", size: String(group.size) } });
    const strip = el("div", { className: "strip" });
    for (const m of members) {
      const item = thumb(m.id, "dups-item", String(m.distance), `id:${m.id} (distance ${m.distance})`);
      item.dataset.distance = String(m.distance);
      strip.append(item);
    }
    if (group.size > members.length) {
      strip.append(el("span", { className: "rest", textContent: `+${(group.size - members.length).toLocaleString()}` }));
    }
    const show = el("button", { type: "button", className: "show", textContent: "show in grid",
                                title: "narrow the grid to this group", dataset: { testid: "dups-show" } });
    // The grid names a group by its ids: up to MAX_IDS of them.
    show.disabled = group.size > MAX_IDS;
    if (show.disabled) show.title = `${group.size.toLocaleString()} images: too many to name in the grid`;
    show.addEventListener("click", () => showInGrid(members.map((m) => m.id), `${group.size} near duplicates`));
    row.append(el("div", { className: "group-head" }, el("span", { textContent: `${group.size.toLocaleString()} images` }),
                  show),
               strip);
    return row;
  }

  async function showInGrid(ids, label) {
    await ldb.removeFilters((f) => f.param === "ids");
    await ldb.addFilter({ param: "ids", value: ids.join(","), label });
  }

  // Loads the first page of groups (or the next, with `append`); answers to
  // an older request are dropped.
  let request = 0;
  let shown = 0;
  let total = 0;
  let loadedFor = null;
  // The request's parameters without the page: what the groups shown are of.
  function query() {
    const p = params();
    if (threshold.value !== "") p.set("threshold", threshold.value);
    return p;
  }

  async function load(append = false) {
    const p = query();
    const key = p.toString();
    if (!append && key === loadedFor) return;
    const mine = ++request;
    p.set("offset", String(append ? shown : 0));
    p.set("limit", String(GROUPS_PAGE));
    panel.classList.add("busy");
    try {
      const body = await ldb.getJson(`/api/dups?${p}`);
      if (mine !== request) return;
      showError(null);
      if (!append) {
        list.replaceChildren();
        shown = 0;
        loadedFor = key;
      }
      if (threshold.value === "") {  // the default: the same groups as with it set
        threshold.value = String(body.threshold);
        loadedFor = query().toString();
      }
      total = body.group_count;
      for (const group of body.groups) list.append(groupRow(group));
      shown += body.groups.length;
      summary.dataset.groups = String(body.group_count);
      summary.dataset.members = String(body.member_count);
      summary.dataset.objects = String(body.objects);
      summary.textContent =
        `${body.group_count.toLocaleString()} group${body.group_count === 1 ? "" : "s"} of ` +
        `${body.member_count.toLocaleString()} images among ${body.objects.toLocaleString()} ` +
        `(pHash distance ≤ ${body.threshold})` +
        (body.without_hash ? `; ${body.without_hash.toLocaleString()} without a pHash left out (ldb features)` : "");
      more.hidden = shown >= total;
      more.textContent = `more groups (${(total - shown).toLocaleString()} left)`;
    } catch (e) {
      if (mine !== request) return;
      loadedFor = null;
      showError(e.detail || { message: e.message });
    } finally {
      if (mine === request) panel.classList.remove("busy");
    }
  }

  let timer = 0;
  threshold.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(), 250);
  });
  more.addEventListener("click", () => load(true));
  dedup.addEventListener("change", () => {
    if (dedup.checked) ldb.addFilter({ param: "dedup", value: "1", label: "one of each near-duplicate group" });
    else ldb.removeFilters((f) => f.param === "dedup");
  });
  ldb.onSelection(() => {
    dedup.checked = ldb.filters.some((f) => f.param === "dedup");
    if (ldb.isShown("dups")) load();
  });
})();
