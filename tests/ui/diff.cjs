// The diff view in a real browser (tests/ui/test_compare_views.py): the
// objects `ldb diff --json` finds added, removed and changed between the two
// versions of the dataset in the objects box, "show in grid", opening an
// object, and a comparison typed in. Screenshots go to the folder given.
//   node diff.cjs URL SCREENSHOT_DIR PLAN_JSON
// PLAN_JSON: {"dataset": "ds:NAME", "count": objects of its latest version,
//             "added": [ids], "removed": [ids], "changed": [ids]}
"use strict";

const path = require("path");
const { TIMEOUT, openPage, run, waitAttribute, waitCount, waitImages, objectIds } = require("./driver.cjs");

const [url, shots, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const KEYS = ["added", "removed", "changed"];

async function sections(page) {
  const seen = {};
  for (const key of KEYS) {
    const box = `[data-testid="diff-${key}"]`;
    seen[key] = { count: Number(await page.getAttribute(box, "data-count")),
                  ids: await objectIds(page, `${box} [data-testid="diff-item"]`) };
  }
  return seen;
}

run(async (browser) => {
  // The bad inputs typed at the end are answered 400 and 404.
  const { page, errors } = await openPage(browser, url, /status of 40[04]/);
  const out = {};
  await page.fill('[data-testid="objects-input"]', plan.dataset);
  await waitCount(page, plan.count);
  await page.click('[data-testid="view-tab-diff"]');
  await waitAttribute(page, '[data-testid="diff-added"]', "data-count", plan.added.length);
  await waitAttribute(page, '[data-testid="diff-changed"]', "data-count", plan.changed.length);
  await waitImages(page, '[data-testid="diff-panel"]');
  out.a = await page.inputValue('[data-testid="diff-a-input"]');
  out.b = await page.inputValue('[data-testid="diff-b-input"]');
  out.sections = await sections(page);
  out.changed_versions = await page.$$eval('[data-testid="diff-changed"] [data-testid="diff-item"] .distance',
                                           (badges) => badges.map((b) => b.textContent));
  out.thumbnails_loaded = await page.$$eval('[data-testid="diff-item"] img', (imgs) =>
    imgs.filter((i) => i.naturalWidth > 0).length);
  await page.screenshot({ path: path.join(shots, "diff.png") });

  // A thumbnail opens its object.
  await page.click(`[data-testid="diff-changed"] [data-object-id="${plan.changed[0]}"]`);
  await waitAttribute(page, '[data-testid="object-panel"]', "data-object-id", plan.changed[0]);
  out.opened = await page.getAttribute('[data-testid="object-panel"]', "data-object-id");
  out.opened_text = await page.textContent('[data-testid="object-panel"]');
  await page.keyboard.press("Escape");

  // "show in grid" for the removed: the older version, narrowed to them.
  await page.click('[data-testid="diff-show-removed"]');
  await waitCount(page, plan.removed.length);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="grid-item"]').length === n,
                             plan.removed.length, { timeout: TIMEOUT });
  out.grid_removed = await objectIds(page, '[data-testid="grid-item"]');
  out.objects_after_show = await page.inputValue('[data-testid="objects-input"]');
  await page.screenshot({ path: path.join(shots, "diff-show-in-grid.png") });
  await page.click('[data-testid="filter-chip-remove"]');

  // Typed in the other way round: added and removed swap.
  await page.fill('[data-testid="diff-a-input"]', out.b);
  await page.fill('[data-testid="diff-b-input"]', out.a);
  await page.click('[data-testid="diff-run"]');
  await waitAttribute(page, '[data-testid="diff-added"]', "data-count", plan.removed.length);
  await waitAttribute(page, '[data-testid="diff-removed"]', "data-count", plan.added.length);
  out.swapped = await sections(page);

  // A version that does not exist: one line with a hint.
  await page.fill('[data-testid="diff-b-input"]', `${plan.dataset}.v99`);
  await page.press('[data-testid="diff-b-input"]', "Enter");
  await page.waitForSelector('[data-testid="diff-error"]', { state: "visible", timeout: TIMEOUT });
  out.error_text = await page.textContent('[data-testid="diff-error"]');
  out.errors = errors;
  return out;
});
