"""What the browser tests of `ldb ui` share: where Debian's chromium and
playwright-core are (skipped, saying why, when either is missing), and
running a driver script (NAME.cjs) against a running server."""

import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))

SERVERS_DIR = os.environ.get("LDB_TEST_SERVERS_DIR", os.path.expanduser("~/.cache/ldb-test-servers"))
NODE_MODULES = os.path.join(SERVERS_DIR, "node_modules")
CHROMIUM = os.environ.get("LDB_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("LDB_UI_SCREENSHOTS", "")
HAVE_DRIVER = os.path.exists(os.path.join(NODE_MODULES, "playwright-core", "package.json"))
HAVE_NODE = shutil.which("node") is not None


def needs_browser(cls):
    """Skips the test case without chromium, node or playwright-core, unless
    LDB_REQUIRE_BROWSER=1 (scripts/test.sh sets it: CI must not pass by skipping)."""
    if os.environ.get("LDB_REQUIRE_BROWSER") == "1":
        return cls
    cls = unittest.skipUnless(HAVE_NODE and HAVE_DRIVER,
                              f"node or playwright-core in {NODE_MODULES} is missing (scripts/install-deps.sh)")(cls)
    return unittest.skipUnless(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is not installed (scripts/install-deps.sh)")(cls)


def run_driver(case, script, server, plan):
    """Runs tests/ui/SCRIPT with the server's URL, the screenshot folder and
    the plan; returns (what it saw, the screenshot folder)."""
    shots = SCREENSHOTS or os.path.join(case.tmp, "screenshots")
    os.makedirs(shots, exist_ok=True)
    env = dict(os.environ, NODE_PATH=NODE_MODULES)
    run = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), script),
                          server.line, shots, json.dumps(plan)],
                         capture_output=True, text=True, timeout=240, env=env)
    case.assertEqual(run.returncode, 0, run.stderr)
    return json.loads(run.stdout), shots
