"""End-to-end: `ldb ui` (SPEC section 10, docs/ui.md) — the real binary
started with --port 0 --no-browser on an instance of the repository's
photos: the URL line, the token (missing, wrong, the cookie), a foreign Host
header, path traversal, the API against `ldb list`, the warning for a
non-loopback --host, bad arguments, and a clean exit on SIGINT and SIGTERM."""

import http.client
import json
import os
import re
import select
import shutil
import signal
import subprocess
import time

from ldbtest import LDB_BIN, LdbTestCase, main, md5

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})$")


class UiServer:
    """A running `ldb ui`: its process, port and token."""

    def __init__(self, case, *args, env=None):
        run_env = dict(case.env)
        run_env.update(env or {})
        self.proc = subprocess.Popen([LDB_BIN, "ui", *args], cwd=case.ws, env=run_env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        if not ready:
            self.proc.kill()
            raise AssertionError("ldb ui printed no URL within 30 s")
        self.line = self.proc.stdout.readline().rstrip("\n")
        self.host = "127.0.0.1"
        match = URL_LINE.match(self.line)
        self.port = int(match.group(1)) if match else 0
        self.token = match.group(2) if match else ""

    def request(self, path, host=None, cookie=True, headers=None):
        """GET path with the token's cookie; (status, headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
        if cookie:
            conn.putheader("Cookie", f"ldb_token_{self.port}={self.token}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        res = conn.getresponse()
        body = res.read()
        conn.close()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, body

    def json(self, path):
        status, _, body = self.request(path)
        return status, json.loads(body)

    def stop(self, sig=signal.SIGTERM):
        """Sends sig; returns (exit code, rest of stdout, stderr)."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


class UiTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.files = {}
        for name in ("dog.jpg", "kite.jpg", "chelsea.png", "coffee.png"):
            shutil.copy(os.path.join(TESTDATA, "photos", name), self.data)
            with open(os.path.join(self.data, name), "rb") as f:
                self.files[name] = f.read()
        self.ok("index", self.data)
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.kill()
        super().tearDown()

    def start(self, *args, env=None):
        server = UiServer(self, *args, env=env)
        self.servers.append(server)
        return server

    def test_prints_the_url_and_serves_until_sigterm(self):
        server = self.start("--port", "0", "--no-browser")
        self.assertRegex(server.line, URL_LINE)
        status, headers, body = server.request("/?token=" + server.token, cookie=False)
        self.assertEqual(status, 200)
        self.assertIn(b"<!doctype html>", body)
        self.assertEqual(headers["set-cookie"],
                         f"ldb_token_{server.port}={server.token}; Path=/; HttpOnly; SameSite=Strict")
        self.assertTrue(headers["content-security-policy"].startswith("default-src 'self'"))
        rc, out, err = server.stop(signal.SIGTERM)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        self.assertNotIn("error", err)

    def test_sigint_stops_it_cleanly(self):
        server = self.start("--no-browser")
        self.assertEqual(server.request("/api/count")[0], 200)
        rc, _, err = server.stop(signal.SIGINT)
        self.assertEqual(rc, 0, err)

    def test_the_token_is_required(self):
        server = self.start("--no-browser")
        dog = md5(self.files["dog.jpg"])
        for path in ("/", "/app.js", "/api/objects", f"/api/file/{dog}", f"/api/thumb/{dog}", f"/api/object/{dog}"):
            status, _, body = server.request(path, cookie=False)
            self.assertEqual(status, 403, path)
            self.assertNotIn(self.files["dog.jpg"][:64], body)
            status, _, _ = server.request(path + "?token=" + "0" * 64, cookie=False)
            self.assertEqual(status, 403, path)
            self.assertEqual(server.request(path)[0], 200, path)

    def test_a_foreign_host_header_is_refused(self):
        server = self.start("--no-browser")
        for host in ("evil.example", f"evil.example:{server.port}", f"127.0.0.1:{server.port + 1}", ""):
            status, headers, _ = server.request("/?token=" + server.token, host=host, cookie=False)
            self.assertEqual(status, 403, host)
            self.assertNotIn("set-cookie", headers)
        self.assertEqual(server.request("/api/count", host=f"localhost:{server.port}")[0], 200)

    def test_files_only_by_object_id(self):
        server = self.start("--no-browser")
        dog = md5(self.files["dog.jpg"])
        with open("/etc/passwd", "rb") as f:
            passwd = f.read()[:16]
        rel = os.path.relpath(os.path.join(self.data, "dog.jpg"), "/")
        for path in ("/etc/passwd", "/../../../../etc/passwd", "/api/file/../../../../etc/passwd",
                     "/api/file/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/api/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                     f"/api/file/%2F{rel}", f"/api/file/{dog}/../../../etc/passwd", f"/api/file/{dog[:31]}",
                     f"/api/thumb/..%2F..%2F{rel}", f"/api/file/{dog}%00.jpg", "/api/file/" + "z" * 32):
            status, _, body = server.request(path)
            self.assertIn(status, (400, 404), path)
            self.assertNotIn(passwd, body, path)
            self.assertNotIn(self.files["dog.jpg"][:64], body, path)
        status, headers, body = server.request(f"/api/file/{dog}")
        self.assertEqual((status, headers["content-type"]), (200, "image/jpeg"))
        self.assertEqual(body, self.files["dog.jpg"])

    def test_the_api_agrees_with_ldb_list(self):
        server = self.start("--no-browser")
        ids = self.ids("ds:root")
        status, page = server.json("/api/objects?objects=ds:root&limit=100")
        self.assertEqual(status, 200)
        self.assertEqual(page["count"], len(ids))
        self.assertEqual(page["ids"], ids)
        query = "image.width > `500`"
        wide = self.ids("ds:root", "--file", query)
        status, counted = server.json("/api/count?file=" + query.replace(" ", "%20").replace("`", "%60"))
        self.assertEqual((status, counted["count"]), (200, len(wide)))
        status, error = server.json("/api/count?query=class%20%3D%3D")
        self.assertEqual(status, 400)
        self.assertEqual(error["error"]["column"], 9)
        self.assertIn("query syntax error at column 9", error["error"]["message"])
        status, headers, thumb = server.request(f"/api/thumb/{ids[0]}")
        self.assertEqual((status, headers["content-type"]), (200, "image/jpeg"))
        self.assertTrue(thumb.startswith(b"\xff\xd8"))

    def test_the_grids_first_page_sees_what_the_cli_changed(self):
        # The grid's selection is kept for its pages, the count and the views;
        # its first page (a page loaded again) makes it anew.
        server = self.start("--no-browser")
        status, page = server.json("/api/objects?objects=ds:root&tag=seen")
        self.assertEqual((status, page["count"]), (200, 0))
        self.ok("tag", "ds:root", "--limit", "2", "-a", "seen")
        status, counted = server.json("/api/count?objects=ds:root&tag=seen")
        self.assertEqual((status, counted["count"]), (200, 0))  # the kept selection, as the grid's pages
        status, page = server.json("/api/objects?objects=ds:root&tag=seen&offset=0")
        self.assertEqual((status, page["count"]), (200, 2))
        status, counted = server.json("/api/count?objects=ds:root&tag=seen")
        self.assertEqual((status, counted["count"]), (200, 2))

    def test_a_host_beyond_this_machine_is_warned_about(self):
        server = self.start("--host", "0.0.0.0", "--no-browser")
        self.assertTrue(server.line.startswith("http://0.0.0.0:"), server.line)
        server.port = int(server.line.split(":")[2].split("/")[0])
        server.token = server.line.split("token=")[1]
        status, _, _ = server.request("/api/count")
        self.assertEqual(status, 200)
        rc, _, err = server.stop()
        self.assertEqual(rc, 0)
        self.assertIn("ldb: warning: ldb ui listens on 0.0.0.0, not only on this machine: anyone who can reach it "
                      "and has the token sees the instance's data", err)

    def test_without_xdg_open_the_url_is_printed_all_the_same(self):
        empty = os.path.join(self.tmp, "empty-path")
        os.makedirs(empty)
        server = self.start(env={"PATH": empty})
        self.assertRegex(server.line, URL_LINE)
        rc, _, err = server.stop()
        self.assertEqual(rc, 0)
        self.assertIn("could not start xdg-open", err)

    def test_bad_arguments(self):
        self.fails("ui", "--port", "http", rc=2, contains="--port expects a number 0..65535, got 'http'")
        self.fails("ui", "--port", "70000", rc=2, contains="--port 0 for any free port")
        self.fails("ui", "extra", rc=2, contains="ldb ui takes no arguments")
        self.fails("ui", "--host", "256.1.1.1", "--no-browser", rc=5, contains="cannot listen on 256.1.1.1:0")

    def test_a_port_in_use_is_an_error(self):
        server = self.start("--no-browser")
        self.fails("ui", "--port", str(server.port), "--no-browser", rc=5,
                   contains=f"cannot listen on 127.0.0.1:{server.port}")

    def test_no_instance(self):
        del self.env["LDB_DIR"]
        home = os.path.join(self.tmp, "empty-home")
        os.makedirs(home)
        self.fails("ui", "--no-browser", rc=3, contains="hint: ", env={"HOME": home})


if __name__ == "__main__":
    main()
