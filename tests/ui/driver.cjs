// What the scripts that drive `ldb ui` in Chromium share (tests/ui/*.cjs,
// bench/ui_bench.cjs): Debian's chromium started headless, the page's errors
// collected, and the result printed as one JSON document on stdout (a
// failure on stderr, exit 1).
"use strict";

const { chromium } = require("playwright-core");

const TIMEOUT = 30000;

// Root in a container has no user namespaces for chromium's sandbox, and
// WebGL runs on SwiftShader (no GPU).
function launch() {
  return chromium.launch({
    executablePath: process.env.LDB_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
}

// The page's uncaught errors and console errors, but for the failed loads
// whose status `expected` (a RegExp over the message) allows.
function collectErrors(page, expected) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !(expected && expected.test(m.text()))) errors.push(m.text());
  });
  return errors;
}

// Runs `body(browser)` in a fresh browser and prints what it returns.
function run(body) {
  (async () => {
    const browser = await launch();
    let out;
    try {
      out = await body(browser);
    } finally {
      await browser.close();
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  })().catch((e) => {
    process.stderr.write(`${e.stack || e}\n`);
    process.exit(1);
  });
}

// A fresh page at `url` (1400 x 900) and its errors (collectErrors).
async function openPage(browser, url, expected) {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = collectErrors(page, expected);
  await page.goto(url);
  return { page, errors };
}

// Waits until the attribute `name` of the element `selector` is `value`.
function waitAttribute(page, selector, name, value) {
  return page.waitForFunction(([s, n, v]) => {
    const e = document.querySelector(s);
    return e !== null && e.getAttribute(n) === String(v);
  }, [selector, name, value], { timeout: TIMEOUT });
}

// Waits until the grid's count (result-count's data-count) is `count`.
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

module.exports = { TIMEOUT, collectErrors, launch, run, openPage, waitAttribute, waitCount, waitImages, objectIds };
