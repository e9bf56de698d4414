// What the browser tests of the views share (dups.cjs, diff.cjs): Debian's
// chromium driven by playwright-core, a page opened on the URL `ldb ui`
// printed, the page's errors collected, and the outcome printed as one JSON
// document on stdout for the Python side to compare with the CLI.
"use strict";

const { chromium } = require("playwright-core");

const TIMEOUT = 30000;

// Runs `steps(page, out)` on a fresh page at `url`; prints `out` (with the
// page's errors) and exits 0, or prints the failure on stderr and exits 1.
async function drive(url, steps) {
  const out = {};
  const browser = await chromium.launch({
    executablePath: process.env.LDB_CHROMIUM || "/usr/bin/chromium",
    // root in a container has no user namespaces for chromium's sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url);
    await steps(page, out);
    out.errors = errors;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

function run(url, steps) {
  drive(url, steps).catch((e) => {
    process.stderr.write(`${e.stack || e}\n`);
    process.exit(1);
  });
}

// Waits until the attribute `name` of the element `selector` is `value`.
function waitAttribute(page, selector, name, value) {
  return page.waitForFunction(([s, n, v]) => {
    const e = document.querySelector(s);
    return e !== null && e.getAttribute(n) === String(v);
  }, [selector, name, value], { timeout: TIMEOUT });
}

// The grid's object count once it shows `count` (result-count's data-count).
function waitCount(page, count) {
  return waitAttribute(page, '[data-testid="result-count"]', "data-count", count);
}

// Waits until every <img> under `selector` has finished loading.
function waitImages(page, selector) {
  return page.waitForFunction((s) => [...document.querySelectorAll(`${s} img`)].every((i) => i.complete), selector,
                              { timeout: TIMEOUT });
}

// The data-object-id of every element matching `selector`, in document order.
function objectIds(page, selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.dataset.objectId));
}

module.exports = { TIMEOUT, run, waitAttribute, waitCount, waitImages, objectIds };
