// Drives the embedding view of a running `ldb ui` in Debian's chromium with
// playwright-core and prints what it saw as one JSON document on stdout
// (tests/ui/test_embedding.py checks it against `ldb project --json`).
//   node embedding.cjs URL SCREENSHOT_DIR PLAN_JSON
// PLAN_JSON: {"count": N, "points": [{"id", "x", "y"}], "threshold": X (lasso
// the points left of it), "inside": how many, "click": an id, "color": key}
"use strict";

const path = require("path");
const { run } = require("./driver.cjs");

const [url, shots, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const TIMEOUT = 30000;
const CANVAS = '[data-testid="embedding-canvas"]';

async function canvasState(page, state) {
  await page.waitForFunction(([sel, s]) => document.querySelector(sel)?.dataset.state === s, [CANVAS, state],
                             { timeout: TIMEOUT });
}

run(async (browser) => {
  const out = {};
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The missing projection's 404 is expected.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("status of 404")) errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction((n) => document.querySelector('[data-testid="result-count"]')?.dataset.count === String(n),
                             plan.count, { timeout: TIMEOUT });

  // A projection not made: the error and its hint, in one line.
  await page.click('[data-testid="view-tab-embedding"]');
  await canvasState(page, "drawn");
  await page.fill('[data-testid="embedding-method-input"]', "umap");
  await page.press('[data-testid="embedding-method-input"]', "Enter");
  await canvasState(page, "error");
  const statusText = await page.textContent('[data-testid="embedding-status"]');
  out.missing_hint = statusText.split(" — ")[1];
  await page.fill('[data-testid="embedding-method-input"]', "pca");
  await page.press('[data-testid="embedding-method-input"]', "Enter");
  await canvasState(page, "drawn");

  // Coloured by a key: the legend; every point drawn.
  await page.fill('[data-testid="embedding-color-input"]', plan.color);
  await page.press('[data-testid="embedding-color-input"]', "Enter");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="embedding-legend"] li').length > 0,
                             null, { timeout: TIMEOUT });
  await canvasState(page, "drawn");
  out.drawn = Number(await page.getAttribute(CANVAS, "data-count"));
  out.without = Number(await page.getAttribute(CANVAS, "data-without"));
  out.load_ms = Number(await page.getAttribute(CANVAS, "data-load-ms"));
  out.legend = await page.$$eval('[data-testid="embedding-legend"] li',
                                 (lis) => lis.map((li) => ({ label: li.dataset.label, count: Number(li.dataset.count) })));
  // Pixels that are not the background: the points are on the canvas.
  out.lit_pixels = await page.$eval(CANVAS, (canvas) => {
    const gl = canvas.getContext("webgl");
    const pixels = new Uint8Array(canvas.width * canvas.height * 4);
    gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    let lit = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] > 120) lit++;
    return lit;
  });
  await page.screenshot({ path: path.join(shots, "embedding.png") });

  // A lasso (shift-drag) around the points left of the threshold.
  const box = await page.locator(CANVAS).boundingBox();
  const corners = await page.evaluate((p) => {
    const s = p.points.map((q) => window.ldbEmbedding.screenOf(q.x, q.y));
    const left = Math.min(...s.map((c) => c[0])) - 12;
    const right = window.ldbEmbedding.screenOf(p.threshold, 0)[0];
    const top = Math.min(...s.map((c) => c[1])) - 12;
    const bottom = Math.max(...s.map((c) => c[1])) + 12;
    return [[left, top], [right, top], [right, bottom], [left, bottom]];
  }, plan);
  const at = ([x, y]) => [box.x + x, box.y + y];
  await page.keyboard.down("Shift");
  await page.mouse.move(...at(corners[0]));
  await page.mouse.down();
  for (const corner of [...corners.slice(1), corners[0]]) await page.mouse.move(...at(corner), { steps: 6 });
  await page.mouse.up();
  await page.keyboard.up("Shift");
  await page.waitForFunction((n) => document.querySelector('[data-testid="result-count"]')?.dataset.count === String(n)
                               && document.querySelectorAll('[data-testid="grid-item"]').length === n,
                             plan.inside, { timeout: TIMEOUT });
  out.selected = Number(await page.getAttribute(CANVAS, "data-selected"));
  out.result_count = Number(await page.getAttribute('[data-testid="result-count"]', "data-count"));
  out.grid_ids = await page.$$eval('[data-testid="grid-item"]', (cells) => cells.map((c) => c.dataset.objectId));
  out.chip = await page.getAttribute('[data-testid="filter-chip"]', "data-param");
  await page.screenshot({ path: path.join(shots, "embedding-lasso.png") });

  // A click on a point opens its object.
  const target = plan.points.find((p) => p.id === `id:${plan.click}`);
  const spot = await page.evaluate((p) => window.ldbEmbedding.screenOf(p.x, p.y), target);
  await page.mouse.click(...at(spot));
  await page.waitForFunction((id) => document.querySelector('[data-testid="object-panel"]')?.dataset.objectId === id,
                             plan.click, { timeout: TIMEOUT });
  out.panel_id = await page.getAttribute('[data-testid="object-panel"]', "data-object-id");
  await page.screenshot({ path: path.join(shots, "embedding-click.png") });

  // The chip's × gives the grid back.
  await page.click('[data-testid="filter-chip-remove"]');
  await page.waitForFunction((n) => document.querySelector('[data-testid="result-count"]')?.dataset.count === String(n),
                             plan.count, { timeout: TIMEOUT });
  out.after_chip_removed = Number(await page.getAttribute('[data-testid="result-count"]', "data-count"));
  out.errors = errors;
  return out;
});
