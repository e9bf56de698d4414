// The duplicates view in a real browser (tests/ui/test_compare_views.py):
// the groups `ldb dups --json` finds, the threshold, "show in grid", "keep
// one of each" and opening an object. Screenshots go to the folder given.
//   node dups.cjs URL SCREENSHOT_DIR PLAN_JSON
// PLAN_JSON: {"total": N objects, "groups": [[ids of each group]...],
//             "zero_groups": groups at threshold 0, "dedup_count": ldb list -s --dedup}
"use strict";

const path = require("path");
const { TIMEOUT, openPage, run, waitAttribute, waitCount, waitImages, objectIds } = require("./driver.cjs");

const [url, shots, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const SUMMARY = '[data-testid="dups-summary"]';

run(async (browser) => {
  // The bad inputs typed at the end are answered 400 and 404.
  const { page, errors } = await openPage(browser, url, /status of 40[04]/);
  const out = {};
  await waitCount(page, plan.total);
  const started = Date.now();
  await page.click('[data-testid="view-tab-dups"]');
  await waitAttribute(page, SUMMARY, "data-groups", plan.groups.length);
  await waitImages(page, '[data-testid="dups-group"]:first-child');
  out.first_groups_ms = Date.now() - started;
  out.panel_visible = await page.isVisible('[data-testid="dups-panel"]');
  out.group_count = Number(await page.getAttribute(SUMMARY, "data-groups"));
  out.member_count = Number(await page.getAttribute(SUMMARY, "data-members"));
  out.summary = await page.textContent(SUMMARY);
  out.threshold = await page.inputValue('[data-testid="dups-threshold"]');
  out.groups = await page.$$eval('[data-testid="dups-group"]', (groups) =>
    groups.map((g) => [...g.querySelectorAll('[data-testid="dups-item"]')].map((i) => i.dataset.objectId)));
  out.distances = await page.$$eval('[data-testid="dups-group"]', (groups) =>
    groups.map((g) => [...g.querySelectorAll('[data-testid="dups-item"]')].map((i) => Number(i.dataset.distance))));
  await page.screenshot({ path: path.join(shots, "dups.png") });

  // Every thumbnail loads once scrolled into view (they load lazily).
  const rows = await page.$$('[data-testid="dups-group"]');
  for (const row of rows) {
    await row.scrollIntoViewIfNeeded();
    await page.waitForFunction((r) => [...r.querySelectorAll("img")].every((i) => i.complete), row,
                               { timeout: TIMEOUT });
  }
  out.thumbnails_loaded = await page.$$eval('[data-testid="dups-item"] img', (imgs) =>
    imgs.filter((i) => i.naturalWidth > 0).length);

  // Threshold 0: only identical pHashes group.
  await page.fill('[data-testid="dups-threshold"]', "0");
  await waitAttribute(page, SUMMARY, "data-groups", plan.zero_groups);
  out.zero_groups = await page.$$eval('[data-testid="dups-group"]', (g) => g.length);
  await page.fill('[data-testid="dups-threshold"]', out.threshold);
  await waitAttribute(page, SUMMARY, "data-groups", plan.groups.length);

  // A thumbnail opens its object.
  const first = plan.groups[0];
  await page.click(`[data-testid="dups-group"] [data-testid="dups-item"][data-object-id="${first[1]}"]`);
  await waitAttribute(page, '[data-testid="object-panel"]', "data-object-id", first[1]);
  out.opened = await page.getAttribute('[data-testid="object-panel"]', "data-object-id");
  await page.keyboard.press("Escape");

  // "show in grid": the grid narrows to the group; the groups stay.
  await page.click('[data-testid="dups-group"]:first-child [data-testid="dups-show"]');
  await waitCount(page, first.length);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="grid-item"]').length === n, first.length,
                             { timeout: TIMEOUT });
  out.grid_group = await objectIds(page, '[data-testid="grid-item"]');
  out.chips = await page.$$eval('[data-testid="filter-chip"]', (c) => c.map((e) => e.dataset.param));
  out.groups_with_chip = Number(await page.getAttribute(SUMMARY, "data-groups"));
  await page.screenshot({ path: path.join(shots, "dups-show-in-grid.png") });
  await page.click('[data-testid="filter-chip-remove"]');
  await waitCount(page, plan.total);

  // "keep one of each": the dedup filter.
  await page.check('[data-testid="dups-dedup"]');
  await waitCount(page, plan.dedup_count);
  out.dedup_count = Number(await page.getAttribute('[data-testid="result-count"]', "data-count"));
  out.dedup_chips = await page.$$eval('[data-testid="filter-chip"]', (c) => c.map((e) => e.dataset.param));
  await page.screenshot({ path: path.join(shots, "dups-dedup.png") });
  await page.uncheck('[data-testid="dups-dedup"]');
  await waitCount(page, plan.total);
  out.chips_after = await page.$$eval('[data-testid="filter-chip"]', (c) => c.length);

  // A bad threshold: one line with a hint; the groups shown stay.
  await page.fill('[data-testid="dups-threshold"]', "99");
  await page.waitForSelector('[data-testid="dups-error"]', { state: "visible", timeout: TIMEOUT });
  out.error_text = await page.textContent('[data-testid="dups-error"]');
  out.groups_after_error = await page.$$eval('[data-testid="dups-group"]', (g) => g.length);
  out.errors = errors;
  return out;
});
