// Drives the statistics view of a running `ldb ui` in Debian's chromium with
// playwright-core and prints what it saw as one JSON document on stdout
// (tests/ui/test_stats.py compares it with `ldb stats` and `ldb list`).
// Screenshots go to the folder given.
//   node stats.cjs URL SCREENSHOT_DIR EXPECTED_JSON
// EXPECTED_JSON: {"total": N, "key": "class", "classes": [[value, count]...],
//   "bins": [[low, high, count]...] (inference.confidence, 4 bins),
//   "top_two": [[value, count], ...], "box_query": "...", "box_count": N}
"use strict";

const path = require("path");
const { TIMEOUT, collectErrors, run } = require("./driver.cjs");

const [url, shots, expectedText] = process.argv.slice(2);
const expected = JSON.parse(expectedText);
const BAR = '[data-testid="stats-bar"]';

async function count(page) {
  return Number(await page.getAttribute('[data-testid="result-count"]', "data-count"));
}

function waitCount(page, n) {
  return page.waitForFunction((want) => {
    const c = document.querySelector('[data-testid="result-count"]');
    return c && c.dataset.count === String(want) && !c.classList.contains("busy");
  }, n, { timeout: TIMEOUT });
}

// The bars once the view has drawn `n` of them (of `kind`, when given).
async function bars(page, n, kind) {
  await page.waitForFunction(([want, k]) => {
    const panel = document.querySelector('[data-testid="stats-panel"]');
    return !panel.classList.contains("busy") &&
      [...panel.querySelectorAll('[data-testid="stats-bar"]')].filter((b) => !k || b.dataset.kind === k).length === want;
  }, [n, kind], { timeout: TIMEOUT });
  return page.$$eval(BAR, (rows) => rows.map((b) => ({
    kind: b.dataset.kind, value: b.dataset.value, count: Number(b.dataset.count),
    low: b.dataset.low, high: b.dataset.high, query: b.title.replace(/^filter the grid: /, ""),
  })));
}

// Sets the key (and bins, top) and waits for the view to draw `n` bars of `kind`.
async function showKey(page, key, { bins = "10", top = "20", n, kind } = {}) {
  await page.fill('[data-testid="stats-bins-input"]', bins);
  await page.fill('[data-testid="stats-top-input"]', top);
  await page.fill('[data-testid="stats-key-input"]', key);
  await page.press('[data-testid="stats-key-input"]', "Enter");
  return bars(page, n, kind);
}

// Clicks the bar of `kind` at `index`: the grid's count, then the chip's
// removal and the count restored.
async function click(page, kind, index, shot) {
  const bar = page.locator(`${BAR}[data-kind="${kind}"]`).nth(index);
  const barCount = Number(await bar.getAttribute("data-count"));
  const value = await bar.getAttribute("data-value");
  await bar.click();
  await page.waitForSelector('[data-testid="filter-chip"]', { timeout: TIMEOUT });
  await waitCount(page, barCount);
  const query = await page.getAttribute('[data-testid="filter-chip"]', "title");
  const gridCount = await count(page);
  const out = { kind, value, bar_count: barCount, grid_count: gridCount, query: query.replace(/^query=/, "") };
  if (shot) out.bars_after = await shot();
  await page.click('[data-testid="filter-chip-remove"]');
  await page.waitForSelector('[data-testid="filter-chip"]', { state: "detached", timeout: TIMEOUT });
  await waitCount(page, expected.total);
  out.restored = await count(page);
  return out;
}

run(async (browser) => {
  const out = { clicks: [] };
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  // Each error case answers 400 or 404, and the fake images 415 for their
  // thumbnails ("no preview"): the browser logs them all.
  const errors = collectErrors(page, /status of 4(00|04|15)/);
  await page.goto(url);
  await waitCount(page, expected.total);

  // The tab: the default key is the first top-level key with values to draw.
  const started = Date.now();
  await page.click('[data-testid="view-tab-stats"]');
  await page.waitForSelector('[data-testid="stats-panel"]', { state: "visible", timeout: TIMEOUT });
  const classBars = await bars(page, expected.classes.length);
  out.first_bars_ms = Date.now() - started;
  out.default_key = await page.inputValue('[data-testid="stats-key-input"]');
  out.class_bars = classBars.map((b) => [b.value, b.count]);
  out.class_missing = Number(await page.getAttribute('[data-testid="stats-missing"]', "data-count"));
  await page.screenshot({ path: path.join(shots, "stats.png") });

  // Every class bar (quotes, backslashes and backticks in the values).
  for (let i = 0; i < classBars.length; i++) {
    const shot = i === 0 ? async () => {
      const after = await bars(page, 1);
      await page.screenshot({ path: path.join(shots, "stats-filtered.png") });
      return after.map((b) => [b.value, b.count]);
    } : null;
    const result = await click(page, "value", i, shot);
    if (shot) out.bars_after_click = result.bars_after;
    delete result.bars_after;
    out.clicks.push(result);
    await bars(page, expected.classes.length);
  }

  // The "other" bar of the top two.
  const topTwo = await showKey(page, "class", { top: "2", n: 1, kind: "other" });
  out.top_two = topTwo.filter((b) => b.kind === "value").map((b) => [b.value, b.count]);
  out.clicks.push(await click(page, "other", 0));

  // A histogram: each bin, the last one inclusive.
  const binBars = await showKey(page, "inference.confidence", { bins: "4", n: expected.bins.length, kind: "bin" });
  out.bin_bars = binBars.filter((b) => b.kind === "bin").map((b) => [Number(b.low), Number(b.high), b.count]);
  out.confidence_missing = Number(await page.getAttribute('[data-testid="stats-missing"]', "data-count"));
  await page.screenshot({ path: path.join(shots, "stats-histogram.png") });
  for (let i = 0; i < binBars.length; i++) {
    out.clicks.push(await click(page, "bin", i));
    await bars(page, expected.bins.length, "bin");
  }

  // A bad key: one error line with its caret; a missing key: the hint.
  await page.fill('[data-testid="stats-key-input"]', "class ==");
  await page.press('[data-testid="stats-key-input"]', "Enter");
  await page.waitForSelector('[data-testid="stats-error"]', { state: "visible", timeout: TIMEOUT });
  out.key_error_text = await page.textContent('[data-testid="stats-error"]');
  out.key_error_column = Number(await page.getAttribute('[data-testid="stats-error"]', "data-column"));
  await page.screenshot({ path: path.join(shots, "stats-error.png") });
  await page.fill('[data-testid="stats-key-input"]', "labels");
  await page.press('[data-testid="stats-key-input"]', "Enter");
  await page.waitForFunction(() => /miss it/.test(document.querySelector('[data-testid="stats-error"]').textContent),
                             null, { timeout: TIMEOUT });
  out.missing_key_text = await page.textContent('[data-testid="stats-error"]');

  // The query box's query, then a view's filter with a syntax error: the
  // error is the filter's (index 1), so no caret under the query box.
  await page.fill('[data-testid="query-input"]', expected.box_query);
  await waitCount(page, expected.box_count);
  await page.evaluate(() => ldb.addFilter({ param: "query", value: "class ==", label: "bad" }));
  await page.waitForSelector('[data-testid="query-error"]', { state: "visible", timeout: TIMEOUT });
  out.chip_error_text = await page.textContent('[data-testid="query-error"]');
  out.chip_error_column = await page.getAttribute('[data-testid="query-error"]', "data-column");
  out.chip_error_caret_hidden = await page.$eval('[data-testid="query-error"] .caret', (c) => c.hidden);
  await page.click('[data-testid="filter-chip-remove"]');
  await page.waitForSelector('[data-testid="query-error"]', { state: "hidden", timeout: TIMEOUT });
  await page.fill('[data-testid="query-input"]', "class ==");
  await page.waitForFunction(() => document.querySelector('[data-testid="query-error"]').dataset.column === "9",
                             null, { timeout: TIMEOUT });
  out.box_error_column = Number(await page.getAttribute('[data-testid="query-error"]', "data-column"));
  out.errors = errors;
  return out;
});
