// What the browser drivers of `ldb ui` (browse.cjs, stats.cjs…) share:
// Debian's chromium started headless, the page's errors collected, and the
// result printed as one JSON document on stdout.
"use strict";

const { chromium } = require("playwright-core");

const TIMEOUT = 30000;

function launch() {
  return chromium.launch({
    executablePath: process.env.LDB_CHROMIUM || "/usr/bin/chromium",
    // root in a container has no user namespaces for chromium's sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
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

module.exports = { TIMEOUT, collectErrors, run };
