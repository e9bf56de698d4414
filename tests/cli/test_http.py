"""ldb on https:// (here http:// on loopback: the same code path without TLS)
storage: objects read by URL, a prefix listed through its ldb-manifest.txt."""

import functools
import json
import os
import sys
import threading
import unittest
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldbtest import LdbTestCase, data_bytes, md5, write_file  # noqa: E402
from test_s3 import data_hashes  # noqa: E402


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class HttpTests(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(self.site)
        handler = functools.partial(QuietHandler, directory=self.site)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.env["LDB_CACHE_DIR"] = os.path.join(self.tmp, "cache")
        self.env["LDB_HTTP_RETRIES"] = "1"
        inst = os.path.join(self.tmp, "inst")
        self.ok("init", inst)
        self.env["LDB_DIR"] = inst

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        super().tearDown()

    def publish(self, count, manifest_lines=None):
        hashes = []
        for i in range(count):
            content = data_bytes(f"web{i}")
            write_file(os.path.join(self.site, "data", f"img{i}.png"), content)
            write_file(os.path.join(self.site, "data", f"img{i}.json"), json.dumps({"n": i}))
            hashes.append(md5(content))
        lines = manifest_lines if manifest_lines is not None else (
            ["# the files below this prefix"] +
            [f"img{i}.{ext}" for i in range(count) for ext in ("png", "json")])
        write_file(os.path.join(self.site, "data", "ldb-manifest.txt"), "\n".join(lines) + "\n")
        return hashes

    def test_index_through_the_manifest_and_instantiate(self):
        hashes = self.publish(3, [f"{self.base}/data/img0.png", f"{self.base}/data/img0.json",
                                  "img1.png", "img1.json", "", "img2.png", "img2.json"])
        self.ok("add-storage", f"{self.base}/data")
        self.assertIn("3", self.ok("index", f"{self.base}/data"))
        listed = self.ok("list", "ds:root")
        self.assertIn(f"{self.base}/data/img1.png", listed)
        self.ok("stage", "ds:web", self.ws)
        self.ok("add", "ds:root", "--query", "n > `0`")
        self.ok("commit")
        self.ok("instantiate")
        self.assertEqual(data_hashes(self.ws), sorted(hashes[1:]))

    def test_a_manifest_may_not_leave_its_prefix(self):
        self.publish(1, ["img0.png", "../secret.png"])
        self.fails("add-storage", f"{self.base}/data", contains=["ldb-manifest.txt line 2", "../secret.png"], rc=2)

    def test_a_missing_object_in_the_manifest_is_named(self):
        self.publish(1, ["img0.png", "gone.png"])
        self.fails("add-storage", f"{self.base}/data", contains=f"'{self.base}/data/gone.png' does not exist", rc=3)

    def test_a_single_url_without_manifest(self):
        content = data_bytes("single")
        write_file(os.path.join(self.site, "one", "x.png"), content)
        write_file(os.path.join(self.site, "one", "x.json"), '{"k": 1}')
        self.fails("add-storage", f"{self.base}/one", contains=["has no manifest", "ldb-manifest.txt"], rc=3)
        self.ok("add-storage", f"{self.base}/one/x.png")
        self.ok("index", f"{self.base}/one/x.png")
        self.assertIn(md5(content), self.ok("list", "ds:root"))

    def test_https_is_read_only_and_takes_no_secrets(self):
        self.publish(1)
        self.fails("add-storage", f"{self.base}/data", "-o", "region", "x", contains="unknown option 'region'", rc=2)


if __name__ == "__main__":
    unittest.main()
