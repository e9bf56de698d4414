// ldb ui: the statistics view (docs/ui.md "The statistics view"). How the
// values of a key are spread over the grid's selection — `ldb stats --json`
// from /api/stats (SPEC section 9) — as bars: the most frequent strings and
// booleans (the rest summed up as "other"), a histogram for numbers, and the
// objects that miss the key. A click on a bar adds a filter chip that selects
// exactly the objects the bar counts, so the grid's count becomes the bar's.
"use strict";

(() => {
  const KEY_DELAY_MS = 300;
  const DEFAULT_CANDIDATES = 12;  // top-level keys tried for the default key

  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const root = ldb.registerView({ name: "stats", title: "Statistics", onShow: () => update() });
  root.classList.add("stats");
  root.dataset.testid = "stats-panel";

  const form = el("div", "stats-form");
  const keyField = el("label", "field stats-key");
  keyField.append(el("span", "", "key"));
  const keyInput = el("input");
  keyInput.dataset.testid = "stats-key-input";
  keyInput.spellcheck = false;
  keyInput.autocomplete = "off";
  keyInput.placeholder = "JMESPath over annotations, e.g. class";
  keyField.append(keyInput);
  const numberField = (name, value, title) => {
    const label = el("label", "field stats-number");
    label.title = title;
    label.append(el("span", "", name));
    const input = el("input");
    input.type = "number";
    input.min = "1";
    input.value = String(value);
    input.dataset.testid = `stats-${name}-input`;
    label.append(input);
    form.append(label);
    return input;
  };
  form.append(keyField);
  const binsInput = numberField("bins", 10, "histogram bins for numbers");
  const topInput = numberField("top", 20, "distinct values shown; the rest is summed up as other");

  const error = el("div", "stats-error");
  error.dataset.testid = "stats-error";
  error.hidden = true;
  const errorCaret = el("pre", "caret");
  const errorMessage = el("div", "message");
  const errorHint = el("div", "hint");
  error.append(errorCaret, errorMessage, errorHint);

  const note = el("div", "stats-note");
  note.dataset.testid = "stats-hint";
  const summary = el("div", "stats-summary");
  summary.dataset.testid = "stats-summary";
  const bars = el("div", "stats-bars");
  root.append(form, error, note, summary, bars);

  // ---- what is shown ------------------------------------------------------

  let requested = "";  // the /api/stats query string last asked for
  let latest = 0;      // answers to an older request are dropped
  let triedDefault = false;

  const jsonNumber = (x) => JSON.stringify(x);
  // A number as people read it (6 significant digits, as ldb stats prints).
  const shortNumber = (x) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));
  const percent = (n, of) => (of ? `${((100 * n) / of).toFixed(1)}%` : "");

  // A string that would read as something else is shown in JSON quotes (as ldb stats does).
  function labelOf(value) {
    if (typeof value !== "string") return String(value);
    return value === "" || value === "true" || value === "false" || value === "null" || /[\u0000-\u001f]/.test(value)
      ? JSON.stringify(value) : value;
  }

  // A JMESPath literal of `value`: a 'raw string' when nothing in it needs
  // escaping, else JSON between backticks (a backtick in it as \u0060, so
  // that nothing needs escaping there either).
  function literal(value) {
    if (typeof value === "string" && !/['\\]/.test(value)) return `'${value}'`;
    return "`" + JSON.stringify(value).replace(/`/g, "\\u0060") + "`";
  }

  // The key as an operand: a plain dotted path as it is, anything else in parentheses.
  const operand = (key) => (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(key) ? key : `(${key})`);

  // The query that selects the objects a bar counts. When the key gives one
  // value per object, exactly them (the grid's count is the bar's); when it
  // gives arrays, the objects with at least one such element.
  function valueQuery(key, unit, value) {
    return unit === "objects" ? `${operand(key)} == ${literal(value)}`
                              : `contains(to_array(${key}), ${literal(value)})`;
  }
  function binQuery(key, unit, low, high, last) {
    const below = last ? "<=" : "<";
    if (unit === "objects") {
      const k = operand(key);
      return `${k} >= \`${jsonNumber(low)}\` && ${k} ${below} \`${jsonNumber(high)}\``;
    }
    return `length(to_array(${key})[?@ >= \`${jsonNumber(low)}\` && @ ${below} \`${jsonNumber(high)}\`]) > \`0\``;
  }
  // The values beyond the top: every string or boolean but those shown.
  // Exact only when each object gives one and nothing else (no numbers, no
  // objects); otherwise the bar is not a filter.
  function otherQuery(key, unit, stats) {
    if (unit !== "objects" || stats.numbers || stats.other) return null;
    const shown = JSON.stringify(stats.top.map((v) => v.value)).replace(/`/g, "\\u0060");
    return `${operand(key)} != \`null\` && !contains(\`${shown}\`, ${operand(key)})`;
  }

  function showError(detail, key) {
    if (!detail) {
      error.hidden = true;
      keyInput.classList.remove("bad");
      return;
    }
    const forKey = detail.field === "by" && detail.column;
    keyInput.classList.toggle("bad", Boolean(forKey) || detail.code === "not_found");
    errorCaret.hidden = !forKey;
    errorCaret.textContent = forKey ? `${key}\n${" ".repeat(detail.column - 1)}^` : "";
    errorMessage.textContent = detail.message || "the statistics could not be made";
    // A syntax error's hint repeats the key with ldb's caret, drawn above.
    errorHint.textContent = forKey ? "" : detail.hint || "";
    error.dataset.column = forKey ? String(detail.column) : "";
    error.hidden = false;
  }

  function bar({ kind, value, label, count, share, max, query, title }) {
    const row = el(query ? "button" : "div", `stats-bar${query ? " clickable" : ""}`);
    if (query) row.type = "button";
    row.dataset.testid = "stats-bar";
    row.dataset.kind = kind;
    row.dataset.value = value;
    row.dataset.count = String(count);
    row.title = title || (query ? `filter the grid: ${query}` : "");
    const name = el("span", "name", label);
    const track = el("span", "track");
    const fill = el("span", "fill");
    fill.style.width = `${max ? (100 * count) / max : 0}%`;
    track.append(fill);
    row.append(name, track, el("span", "n", count.toLocaleString()), el("span", "share", share));
    if (query) row.addEventListener("click", () => ldb.addFilter({ param: "query", value: query, label: title }));
    return row;
  }

  function render(doc, key) {
    const k = doc.keys[0];
    summary.replaceChildren();
    bars.replaceChildren();
    const counted = k.unit === "elements" ? " (each element of the arrays)" : k.unit === "values" ? " (arrays by element)" : "";
    summary.append(el("div", "", `${k.values.toLocaleString()} values counted in ${k.objects.toLocaleString()} objects${counted}`));
    const missing = el("div", "stats-missing", `${k.missing.toLocaleString()} missing (absent or null)`);
    missing.dataset.testid = "stats-missing";
    missing.dataset.count = String(k.missing);
    summary.append(missing);
    if (k.null_elements) summary.append(el("div", "", `${k.null_elements.toLocaleString()} null elements`));
    if (k.errors) summary.append(el("div", "warn", `${k.errors.toLocaleString()} objects where it could not be evaluated`));
    if (k.other) summary.append(el("div", "", `${k.other.toLocaleString()} objects or nested arrays (not broken down)`));

    if (k.top.length) {
      const section = el("div", "stats-section");
      section.append(el("h3", "", k.numbers ? "strings and booleans" : "values"));
      const max = Math.max(...k.top.map((v) => v.count), k.other_count);
      for (const v of k.top) {
        section.append(bar({ kind: "value", value: String(v.value), label: labelOf(v.value), count: v.count,
                             share: percent(v.count, k.values), max, query: valueQuery(key, k.unit, v.value),
                             title: `${key} = ${labelOf(v.value)}` }));
      }
      if (k.other_values) {
        const query = otherQuery(key, k.unit, k);
        section.append(bar({ kind: "other", value: "", label: `${k.other_values.toLocaleString()} other values`,
                             count: k.other_count, share: percent(k.other_count, k.values), max, query,
                             title: query ? `${key}: another value` : "" }));
      }
      bars.append(section);
    }
    if (k.numbers) {
      const n = k.numbers;
      const section = el("div", "stats-section");
      section.append(el("h3", "", "numbers"));
      section.append(el("div", "stats-numbers",
        `count ${n.count.toLocaleString()}  min ${shortNumber(n.min)}  max ${shortNumber(n.max)}  ` +
        `mean ${shortNumber(n.mean)}  std ${shortNumber(n.std)}`));
      section.append(el("div", "stats-numbers",
        "quantiles  " + n.quantiles.map((q) => `${Math.round(q.level * 100)}%: ${shortNumber(q.value)}`).join("  ")));
      const max = Math.max(...n.histogram.map((b) => b.count));
      n.histogram.forEach((b, i) => {
        const last = i === n.histogram.length - 1;
        const label = `[${shortNumber(b.low)}, ${shortNumber(b.high)}${last ? "]" : ")"}`;
        const row = bar({ kind: "bin", value: label, label, count: b.count, share: percent(b.count, k.values), max,
                          query: binQuery(key, k.unit, b.low, b.high, last), title: `${key} in ${label}` });
        row.dataset.low = jsonNumber(b.low);
        row.dataset.high = jsonNumber(b.high);
        section.append(row);
      });
      bars.append(section);
    }
    if (!k.top.length && !k.numbers && !k.other_values) {
      bars.append(el("div", "stats-note", "no string, boolean or number values to draw"));
    }
  }

  // A top-level annotation key as a JMESPath identifier.
  const identifier = (name) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name));
  const withParams = (params, extra) => [params, ...extra].filter(Boolean).join("&");

  // The first top-level key of the selection's annotations (most common
  // first) whose values are mostly strings, numbers or booleans. `keys(@)`
  // counts the top-level keys as the overview's coverage does, in one scan
  // of the annotations (the overview would also read every file's
  // attributes); `type(KEY)` of the most common ones, in one more scan
  // (their values themselves could be a million distinct strings to tally).
  async function defaultKey(params) {
    let names;
    try {
      const doc = await ldb.getJson(`/api/stats?${withParams(params, [`by=${encodeURIComponent("keys(@)")}`,
                                                                      `top=${DEFAULT_CANDIDATES}`])}`);
      names = doc.keys[0].top.map((v) => identifier(String(v.value)));
    } catch {
      return "";  // no annotations at all: the hint says what to type
    }
    if (!names.length) return "";
    try {
      const types = names.map((k) => `by=${encodeURIComponent(`type(${k})`)}`);
      const doc = await ldb.getJson(`/api/stats?${withParams(params, types)}`);
      const scalar = doc.keys.findIndex((k) => k.top.length && ["string", "number", "boolean"].includes(k.top[0].value));
      return names[scalar >= 0 ? scalar : 0];
    } catch {
      return names[0];
    }
  }

  async function update() {
    if (!ldb.isShown("stats")) return;
    const params = ldb.selection.params;
    if (!keyInput.value.trim() && !triedDefault) {
      triedDefault = true;
      note.textContent = "looking for a key…";
      const found = await defaultKey(params);
      if (!keyInput.value.trim()) keyInput.value = found;  // unless one was typed meanwhile
    }
    const key = keyInput.value.trim();
    if (!key) {
      requested = "";
      summary.replaceChildren();
      bars.replaceChildren();
      note.textContent = "Type a key: a JMESPath expression over the annotations, e.g. class or " +
        "objects[].category; numbers get a histogram. Click a bar to filter the grid by it.";
      note.hidden = false;
      return;
    }
    note.hidden = true;
    const query = withParams(params, [`by=${encodeURIComponent(key)}`, `bins=${encodeURIComponent(binsInput.value)}`,
                                      `top=${encodeURIComponent(topInput.value)}`]);
    if (query === requested) return;
    requested = query;
    const request = ++latest;
    root.classList.add("busy");
    try {
      const doc = await ldb.getJson(`/api/stats?${query}`);
      if (request !== latest) return;
      showError(null);
      render(doc, key);
    } catch (e) {
      if (request !== latest) return;
      requested = "";
      summary.replaceChildren();
      bars.replaceChildren();
      showError(e.detail || { message: e.message }, key);
    } finally {
      if (request === latest) root.classList.remove("busy");
    }
  }

  let timer = 0;
  const updateSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(update, KEY_DELAY_MS);
  };
  for (const input of [keyInput, binsInput, topInput]) {
    input.addEventListener("input", updateSoon);
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { clearTimeout(timer); update(); }
    });
  }
  // The counts follow the grid (a query, a chip added or removed).
  ldb.onSelection(() => update());
})();
