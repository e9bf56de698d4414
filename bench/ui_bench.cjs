// bench/ui_bench.py's browser part: opens a running `ldb ui` in headless
// Chromium, waits for the grid's count, then clicks the Embedding tab and
// waits until the canvas says its points are drawn. Prints the times (ms) as
// JSON on stdout.
//   node ui_bench.cjs URL OBJECTS
"use strict";

const path = require("path");
const { run } = require(path.join(__dirname, "..", "tests", "ui", "driver.cjs"));

const [url, objects] = process.argv.slice(2);
const TIMEOUT = 300000;

run(async (browser) => {
  const out = {};
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction((n) => document.querySelector('[data-testid="result-count"]')?.dataset.count === n,
                             objects, { timeout: TIMEOUT });
  out.first_count_ms = Date.now() - started;
  // The grid's thumbnails settled (here they fail: the generated objects
  // have no files), so that the points' request does not queue behind them.
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('[data-testid="grid-item"] img')];
    return imgs.length > 0 && imgs.every((img) => img.complete);
  }, null, { timeout: TIMEOUT });
  out.thumbnails_ms = Date.now() - started;
  const clicked = Date.now();
  await page.click('[data-testid="view-tab-embedding"]');
  await page.waitForFunction(() => {
    const state = document.querySelector('[data-testid="embedding-canvas"]')?.dataset.state;
    return state === "drawn" || state === "error" || state === "no-webgl";
  }, null, { timeout: TIMEOUT, polling: 20 });
  out.tab_to_drawn_ms = Date.now() - clicked;
  out.goto_to_drawn_ms = Date.now() - started;
  const canvas = await page.$('[data-testid="embedding-canvas"]');
  out.state = await canvas.getAttribute("data-state");
  if (out.state !== "drawn") throw new Error(await page.textContent('[data-testid="embedding-status"]'));
  out.count = Number(await canvas.getAttribute("data-count"));
  out.fetch_ms = Number(await canvas.getAttribute("data-fetch-ms"));
  out.load_ms = Number(await canvas.getAttribute("data-load-ms"));
  if (process.env.LDB_UI_BENCH_SCREENSHOT) await page.screenshot({ path: process.env.LDB_UI_BENCH_SCREENSHOT });
  return out;
});
