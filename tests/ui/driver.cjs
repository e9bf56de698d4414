// What the scripts that drive `ldb ui` in Chromium share (tests/ui/*.cjs,
// bench/ui_bench.cjs): the browser started as the container allows, and a
// main() whose result is printed as one JSON line on stdout (its failure on
// stderr, exit 1).
"use strict";

const { chromium } = require("playwright-core");

// Debian's chromium, headless; root in a container has no user namespaces
// for its sandbox, and WebGL runs on SwiftShader (no GPU).
function launch() {
  return chromium.launch({
    executablePath: process.env.LDB_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
}

// Runs `body(browser)` on a launched browser, closes it, prints what body
// returned as JSON.
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

module.exports = { launch, run };
