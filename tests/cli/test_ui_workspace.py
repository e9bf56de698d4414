"""End-to-end: `ldb ui` run in a workspace (docs/ui.md "The workspace") —
the real binary, its write routes driven with http.client as the page sends
them, and the real CLI reading what they did: add → `ldb status`, commit →
`ldb log` / `ldb ds list`, a box edit → `ldb show` (two annotation versions),
`ldb list` (the staged version) and `ldb instantiate` (the file holds the new
class). A POST from another origin or without the page's header is refused
and changes nothing; outside a workspace every write answers a hint."""

import glob
import http.client
import json
import os

from ldbtest import LdbTestCase, main, md5, write_pair
from test_ui import UiServer


def post(server, path, body, headers=None):
    """POST a JSON body as the page does (cookie, X-Ldb, its own Origin),
    with `headers` replacing or adding; (status, parsed body)."""
    sent = {"Host": f"127.0.0.1:{server.port}", "Cookie": f"ldb_token_{server.port}={server.token}",
            "X-Ldb": "1", "Origin": f"http://127.0.0.1:{server.port}", "Content-Type": "application/json"}
    sent.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
    data = json.dumps(body).encode()
    for name, value in sent.items():
        if value is not None:
            conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(data)))
    conn.endheaders(data)
    res = conn.getresponse()
    answer = res.read()
    conn.close()
    return res.status, json.loads(answer)


class UiWorkspaceTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.content = {}
        for name, cls in (("a", "cat"), ("b", "dog"), ("c", "cat")):
            self.content[name] = f"bytes of {name}".encode()
            write_pair(self.data, name, self.content[name],
                       {"class": cls, "objects": [{"bbox": [1, 2, 30, 40], "category": cls},
                                                  {"bbox": [5, 5, 10, 10], "category": "ball"}]})
        self.ok("index", self.data)
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.kill()
        super().tearDown()

    def start(self):
        server = UiServer(self, "--no-browser")
        self.servers.append(server)
        return server

    def status(self):
        return self.ok_json("status", "--json")

    def test_add_commit_and_edit_a_box_through_the_routes(self):
        self.stage("ds:pets")
        server = self.start()
        status, info = server.json("/api/info")
        self.assertEqual(status, 200)
        self.assertEqual(info["workspace"]["dataset"], "pets")
        self.assertEqual(info["workspace"]["objects"], 0)

        status, added = post(server, "/api/workspace/add",
                             {"selection": {"objects": ["ds:root"], "query": ["class == 'cat'"]}})
        self.assertEqual(status, 200, added)
        self.assertEqual((added["added"], added["selected"]), (2, 2))
        self.assertEqual(self.status()["objects"], 2)
        self.assertIn("2 added", self.ok("status"))

        status, committed = post(server, "/api/workspace/commit", {"message": "two cats"})
        self.assertEqual(status, 200, committed)
        self.assertEqual((committed["dataset"], committed["version"], committed["committed"]), ("pets", 1, True))
        log = self.ok_json("log", "ds:pets", "--json")
        self.assertEqual([(v["version"], v["message"]) for v in log], [(1, "two cats")])
        self.assertRegex(self.ok("ds", "list"), r"ds:pets\s+v1\s+2")

        a = md5(self.content["a"])
        status, staged = server.json(f"/api/workspace/annotation/{a}")
        self.assertEqual((staged["staged"], staged["version"]), (True, 1))
        status, edited = post(server, "/api/workspace/annotation",
                              {"id": a, "version": 1,
                               "edits": [{"index": 0, "category": "lynx"}, {"index": 1, "delete": True}]})
        self.assertEqual(status, 200, edited)
        self.assertEqual((edited["previous_version"], edited["version"]), (1, 2))
        # The CLI sees it: two versions, the staged member on the new one, one modified.
        shown = self.ok_json("show", "--json", "id:" + a)
        self.assertEqual([v["version"] for v in shown["annotation_versions"]], [1, 2])
        self.assertEqual(self.versions()[a], 2)
        self.assertEqual(self.status()["uncommitted"]["modified"], 1)
        self.ok("instantiate")
        written = []
        for path in glob.glob(os.path.join(self.ws, "**", "*.json"), recursive=True):
            with open(path) as f:
                written.append(json.load(f).get("objects"))
        self.assertIn([{"bbox": [1, 2, 30, 40], "category": "lynx"}], written)
        status, committed = post(server, "/api/workspace/commit", {"message": "a lynx"})
        self.assertEqual((committed["version"], committed["committed"]), (2, True))
        self.assertEqual(self.versions("ds:pets.v2")[a], 2)
        self.assertEqual(self.versions("ds:pets.v1")[a], 1)

        # A bad edit: 400 with the message, nothing written.
        status, bad = post(server, "/api/workspace/annotation",
                           {"id": a, "edits": [{"index": 5, "category": "x"}]})
        self.assertEqual(status, 400)
        self.assertIn("has no box 5", bad["error"]["message"])
        self.assertEqual(len(self.ok_json("show", "--json", "id:" + a)["annotation_versions"]), 2)

        status, deleted = post(server, "/api/workspace/delete", {"selection": {"objects": ["ws:"]}})
        self.assertEqual(deleted["deleted"], 2)
        self.assertEqual(self.status()["objects"], 0)

    def test_tag_the_selection(self):
        self.stage("ds:pets")
        server = self.start()
        status, tagged = post(server, "/api/workspace/tag",
                              {"selection": {"objects": ["ds:root"], "query": ["class == 'dog'"]}, "add": "good,seen"})
        self.assertEqual((status, tagged["changed"]), (200, 1))
        self.assertEqual(self.ids("ds:root", "--tag", "good"), [md5(self.content["b"])])

    def test_a_cross_origin_or_headerless_post_is_refused_and_changes_nothing(self):
        self.stage("ds:pets")
        server = self.start()
        body = {"selection": {"objects": ["ds:root"]}}
        for headers in ({"Origin": "http://evil.example"},
                        {"X-Ldb": None},
                        {"X-Ldb": None, "Origin": "http://evil.example", "Content-Type": "text/plain"},
                        {"Cookie": None}):
            status, answer = post(server, "/api/workspace/add", body, headers)
            self.assertEqual(status, 403, (headers, answer))
            self.assertTrue(answer["error"]["hint"])
        self.assertEqual(self.status()["objects"], 0)
        self.assertEqual(post(server, "/api/workspace/add", body)[0], 200)
        self.assertEqual(self.status()["objects"], 3)

    def test_outside_a_workspace_writes_answer_a_hint(self):
        server = self.start()
        status, info = server.json("/api/info")
        self.assertEqual((status, info["workspace"]), (200, None))
        status, answer = post(server, "/api/workspace/add", {"selection": {"objects": ["ds:root"]}})
        self.assertEqual(status, 404)
        self.assertIn("not started in a workspace", answer["error"]["message"])
        self.assertIn("ldb stage", answer["error"]["hint"])
        self.assertEqual(self.ok("ds", "list").strip().splitlines()[1:], [])


if __name__ == "__main__":
    main()
