// Drives the workspace view of a running `ldb ui` (started in a workspace)
// in Debian's chromium with playwright-core and prints what it saw as one
// JSON document (tests/ui/test_workspace.py checks it with the real CLI):
// a filtered selection added to the staged dataset and committed, then a
// staged object's first box relabelled and its second deleted, and the edit
// committed. Screenshots go to the folder given.
//   node workspace.cjs URL SCREENSHOT_DIR PLAN_JSON
// PLAN_JSON: {"query", "query_count", "open" (an id), "open_boxes", "new_class",
//             "first_message", "second_message"}
"use strict";

const path = require("path");
const { TIMEOUT, collectErrors, run } = require("./driver.cjs");

const [url, shots, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const q = (id) => `[data-testid="${id}"]`;

async function waitStatus(page, testid, text) {
  await page.waitForFunction(([selector, expected]) => {
    const el = document.querySelector(selector);
    return el && el.textContent.includes(expected);
  }, [q(testid), text], { timeout: TIMEOUT });
  return page.textContent(q(testid));
}

run(async (browser) => {
  const out = {};
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  await page.waitForSelector(q("grid-item"), { timeout: TIMEOUT });

  // The workspace view: the staged dataset, empty.
  await page.click(q("view-tab-workspace"));
  out.dataset = await waitStatus(page, "ws-dataset", "ds:");
  out.count_before = await page.getAttribute(q("ws-summary"), "data-count");

  // A filtered selection, added and committed.
  await page.fill(q("query-input"), plan.query);
  await page.waitForFunction((n) => document.querySelector('[data-testid="result-count"]').dataset.count === String(n),
                             plan.query_count, { timeout: TIMEOUT });
  await page.click(q("ws-add"));
  out.add_line = await waitStatus(page, "ws-status", "Added");
  out.count_after_add = await page.getAttribute(q("ws-summary"), "data-count");
  await page.fill(q("ws-commit-message"), plan.first_message);
  await page.click(q("ws-commit"));
  out.commit_line = await waitStatus(page, "ws-status", "Committed");
  await page.screenshot({ path: path.join(shots, "workspace.png") });

  // The staged dataset in the grid (ws:), then one object's boxes edited.
  await page.fill(q("query-input"), "");
  await page.click(q("ws-show-staged"));
  await page.waitForFunction((n) => document.querySelector('[data-testid="result-count"]').dataset.count === String(n),
                             plan.query_count, { timeout: TIMEOUT });
  out.objects_input = await page.inputValue(q("objects-input"));
  await page.click(`${q("grid-item")}[data-object-id="${plan.open}"]`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="box-class-input"]').length === n,
                             plan.open_boxes, { timeout: TIMEOUT });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="object-box"]').length === n,
                             plan.open_boxes, { timeout: TIMEOUT });
  const inputs = await page.$$(q("box-class-input"));
  out.first_class_before = await inputs[0].inputValue();
  await inputs[0].fill(plan.new_class);
  const deletes = await page.$$(q("box-delete"));
  await deletes[1].click();
  await page.screenshot({ path: path.join(shots, "box-edit.png") });
  await page.click(q("annotation-save"));
  out.save_line = await waitStatus(page, "annotation-status", "Saved annotation version");
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="object-box"]').length === n,
                             plan.open_boxes - 1, { timeout: TIMEOUT });
  out.boxes_after = await page.$$eval(q("object-box"), (r) => r.length);
  out.first_class_after = await page.inputValue(q("box-class-input"));
  out.panel_annotation = JSON.parse(await page.textContent(q("annotation-json")));
  await page.screenshot({ path: path.join(shots, "box-saved.png") });

  await page.fill(q("ws-commit-message"), plan.second_message);
  await page.click(q("ws-commit"));
  out.second_commit_line = await waitStatus(page, "ws-status", ".v2");
  await page.screenshot({ path: path.join(shots, "workspace-committed.png") });
  out.errors = errors;
  return out;
});
