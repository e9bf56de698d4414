// Drives the page of a running `ldb ui` in Debian's chromium with
// playwright-core, and prints what it saw as one JSON document on stdout
// (tests/ui/test_browser.py compares it with `ldb list`). Screenshots go to
// the folder given.
//   node browse.cjs URL SCREENSHOT_DIR PLAN_JSON
// PLAN_JSON: {"count": N (objects in ds:root), "query": "...", "bad_query": "..."}
"use strict";

const path = require("path");
const { TIMEOUT, collectErrors, run } = require("./driver.cjs");

const [url, shots, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);

async function gridIds(page) {
  return page.$$eval('[data-testid="grid-item"]', (cells) =>
    cells
      .map((c) => [Number(c.dataset.position), c.dataset.objectId])
      .sort((a, b) => a[0] - b[0])
      .map((pair) => pair[1]));
}

run(async (browser) => {
  const out = {};
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The browser logs every 4xx as an error; the bad query's 400 is expected.
  const errors = collectErrors(page, /status of 400/);
  const started = Date.now();
  await page.goto(url);
  // The grid: every object of ds:root (a few, all in view).
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="grid-item"]').length === n,
                             plan.count, { timeout: TIMEOUT });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="grid-item"] img')]
                               .every((img) => img.complete), null, { timeout: TIMEOUT });
  out.first_grid_ms = Date.now() - started;
  out.url_after_load = page.url();
  out.grid_ids = await gridIds(page);
  out.count_text = await page.textContent('[data-testid="result-count"]');
  out.count = Number(await page.getAttribute('[data-testid="result-count"]', "data-count"));
  out.thumbnails_loaded = await page.$$eval('[data-testid="grid-item"] img',
                                            (imgs) => imgs.filter((i) => i.naturalWidth > 0).length);
  await page.screenshot({ path: path.join(shots, "grid.png") });

  // A query: the count follows, the grid shows the matches.
  await page.fill('[data-testid="query-input"]', plan.query);
  await page.waitForFunction((n) => {
    const c = document.querySelector('[data-testid="result-count"]');
    return c.dataset.count === String(n) && document.querySelectorAll('[data-testid="grid-item"]').length === n;
  }, plan.query_count, { timeout: TIMEOUT });
  out.query_count = Number(await page.getAttribute('[data-testid="result-count"]', "data-count"));
  out.query_ids = await gridIds(page);
  await page.screenshot({ path: path.join(shots, "query.png") });

  // A bad query: the error with its caret; the grid keeps what it showed.
  await page.fill('[data-testid="query-input"]', plan.bad_query);
  await page.waitForSelector('[data-testid="query-error"]', { state: "visible", timeout: TIMEOUT });
  out.error_column = Number(await page.getAttribute('[data-testid="query-error"]', "data-column"));
  out.error_text = await page.textContent('[data-testid="query-error"]');
  await page.screenshot({ path: path.join(shots, "query-error.png") });

  // Back to everything; open an object with boxes.
  await page.fill('[data-testid="query-input"]', "");
  await page.waitForSelector('[data-testid="query-error"]', { state: "hidden", timeout: TIMEOUT });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="grid-item"]').length === n,
                             plan.count, { timeout: TIMEOUT });
  await page.click(`[data-testid="grid-item"][data-object-id="${plan.open}"]`);
  await page.waitForSelector('[data-testid="object-panel"]', { state: "visible", timeout: TIMEOUT });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="object-box"]').length === n,
                             plan.open_boxes, { timeout: TIMEOUT });
  out.panel_id = await page.getAttribute('[data-testid="object-panel"]', "data-object-id");
  out.panel_boxes = await page.$$eval('[data-testid="object-box"]', (r) => r.length);
  out.panel_text = await page.textContent('[data-testid="object-panel"]');
  out.panel_annotation = JSON.parse(await page.textContent('[data-testid="annotation-json"]'));
  await page.screenshot({ path: path.join(shots, "object-panel.png") });
  out.errors = errors;
  return out;
});
