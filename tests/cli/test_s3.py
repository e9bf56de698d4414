"""ldb on S3 storage, against servers on loopback.

S3StandinTests use tests/cli/s3_standin.py (in-process, always available): it
checks SigV4 signatures independently of ldb, records every request (so the
tests can tell what was downloaded) and misbehaves on demand. S3rverTests run
the same workflow against s3rver from npm (scripts/install-deps.sh installs it
into $LDB_TEST_SERVERS_DIR, default ~/.cache/ldb-test-servers) and are skipped
only when it is not installed.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldbtest import LdbTestCase, data_bytes, files_under, md5  # noqa: E402
from s3_standin import S3Standin  # noqa: E402

SECRET = "standin/secret+key"
ACCESS_KEY = "AKIDSTANDIN"
SERVERS_DIR = os.environ.get("LDB_TEST_SERVERS_DIR", os.path.expanduser("~/.cache/ldb-test-servers"))
S3RVER = os.path.join(SERVERS_DIR, "node_modules", ".bin", "s3rver")


class S3Case(LdbTestCase):
    """An init instance and environment credentials; subclasses provide the server."""

    def setUp(self):
        super().setUp()
        self.env.update({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
                         "AWS_REGION": "us-east-1", "LDB_CACHE_DIR": os.path.join(self.tmp, "cache"),
                         "LDB_HTTP_RETRIES": "2"})
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            self.env.pop(name, None)
        inst = os.path.join(self.tmp, "inst")
        self.ok("init", inst)
        self.env["LDB_DIR"] = inst
        self.inst = inst

    def upload_pairs(self, bucket, prefix, count, tag="img"):
        """count strict pairs prefix/tagI.png + .json ({"n": I}); returns their MD5s."""
        hashes = []
        for i in range(count):
            content = data_bytes(f"{tag}{i}")
            self.put(bucket, f"{prefix}/{tag}{i}.png", content)
            self.put(bucket, f"{prefix}/{tag}{i}.json", json.dumps({"n": i}).encode())
            hashes.append(md5(content))
        return hashes

    def add_storage(self, prefix, *options):
        return self.ok("add-storage", prefix, "-o", "endpoint", self.endpoint, *options)

    def workflow(self, bucket):
        """index → add --query → commit → instantiate from the bucket, twice."""
        hashes = self.upload_pairs(bucket, "data", 5)
        self.add_storage(f"s3://{bucket}/data")
        out = self.ok("index", f"s3://{bucket}/data")
        self.assertIn("5", out)
        listed = self.ok("list", "ds:root", "-s").strip()
        self.assertTrue(listed.startswith("5"), listed)
        self.ok("stage", "ds:cloud", self.ws)
        self.ok("add", f"s3://{bucket}/data", "--query", "n >= `2`")
        self.ok("commit", "-m", "from the bucket")
        self.ok("instantiate")
        self.assertEqual(data_hashes(self.ws), sorted(hashes[2:]))
        return hashes


class S3StandinTests(S3Case):
    def setUp(self):
        self.server = S3Standin(ACCESS_KEY, SECRET, page_size=2)
        self.server.start()
        self.endpoint = self.server.endpoint
        super().setUp()
        self.server.create_bucket("bucket")

    def tearDown(self):
        self.server.stop()
        super().tearDown()

    def put(self, bucket, key, data, multipart=False):
        self.server.put(bucket, key, data, multipart)

    def test_workflow_with_signed_requests_and_paginated_listing(self):
        self.workflow("bucket")
        lists = [r for r in self.server.requests_for("GET") if r[2] == ""]
        # 10 keys at 2 a page: the listing followed the continuation tokens.
        self.assertGreaterEqual(len(lists), 5)

    def test_plain_etag_is_the_hash_without_downloading_the_object(self):
        big = os.urandom(300_000)
        self.put("bucket", "big/large.bin", big)
        self.put("bucket", "big/large.json", b'{"size": "large"}')
        self.add_storage("s3://bucket/big")
        self.ok("index", "-m", "strict", "s3://bucket/big")
        self.assertIn(md5(big), self.ok("list", "ds:root"))
        gets = self.server.requests_for("GET", "large.bin")
        self.assertEqual(len(gets), 1, gets)
        self.assertEqual(gets[0][3], "bytes=0-65535")  # only the head, for image attributes

    def test_multipart_etag_falls_back_to_reading(self):
        content = os.urandom(100_000)
        self.put("bucket", "mp/part.bin", content, multipart=True)
        self.put("bucket", "mp/part.json", b'{"a": 1}')
        self.add_storage("s3://bucket/mp")
        self.ok("index", "s3://bucket/mp")
        self.assertIn(md5(content), self.ok("list", "ds:root"))
        full = [r for r in self.server.requests_for("GET", "part.bin") if not r[3]]
        self.assertEqual(len(full), 1)

    def test_listing_pages_and_objects_over_64_kib_are_read_whole(self):
        # A page of 1000 keys is about 300 KB of XML, and an annotation may
        # be large: neither was cut at the 64 KiB kept of an error answer.
        self.server.page_size = 1000
        hashes = self.upload_pairs("bucket", "many", 400, tag="a-rather-long-object-name-")
        big = {"notes": "x" * 100_000}
        self.put("bucket", "big/one.png", data_bytes("big one"))
        self.put("bucket", "big/one.json", json.dumps(big).encode())
        self.add_storage("s3://bucket")
        self.ok("index", "s3://bucket/many")
        self.ok("index", "s3://bucket/big")
        listed = self.ok("list", "ds:root", "-s").strip()
        self.assertTrue(listed.startswith("401"), listed)
        self.assertIn(hashes[399], self.ok("list", "ds:root"))
        self.assertEqual(self.ok("list", "ds:root", "-s", "--query", "length(notes) == `100000`").strip()[:1], "1")

    def test_reindex_skips_unchanged_objects_by_etag(self):
        self.upload_pairs("bucket", "data", 3)
        self.add_storage("s3://bucket/data")
        self.ok("index", "s3://bucket/data")
        self.server.requests.clear()
        self.ok("index", "s3://bucket/data")
        self.assertEqual([r for r in self.server.requests if r[2]], [], "unchanged objects were read again")
        changed = data_bytes("changed")
        self.put("bucket", "data/img1.png", changed)
        self.server.requests.clear()
        self.ok("index", "s3://bucket/data")
        # The changed object is read, with its annotation (a new object needs one); nothing else.
        self.assertEqual({r[2] for r in self.server.requests if r[2]}, {"data/img1.png", "data/img1.json"})
        self.assertIn(md5(changed), self.ok("list", "ds:root"))

    def test_second_instantiate_comes_from_the_cache(self):
        hashes = self.workflow("bucket")
        self.server.stop()  # nothing can be fetched any more
        other = os.path.join(self.tmp, "other")
        self.ok("instantiate", "-t", other, cwd=self.ws)
        self.assertEqual(data_hashes(other), sorted(hashes[2:]))
        cached = files_under(os.path.join(self.tmp, "cache"))
        self.assertEqual(sorted(p.split("/")[-1] for p in cached), sorted(hashes[2:]))
        self.server.start()  # tearDown stops it

    def test_aws_alias_and_storage_options_are_listed_without_secrets(self):
        self.upload_pairs("bucket", "data", 2)
        self.add_storage("aws://bucket/data/", "-o", "region", "us-east-1")
        self.ok("index", "aws://bucket/data")
        self.assertIn("s3://bucket/data/img0.png", self.ok("list", "ds:root"))
        listed = json.loads(self.ok("storage", "list", "--json"))
        self.assertEqual(listed[0]["path"], "s3://bucket/data")
        self.assertEqual(listed[0]["options"], {"endpoint": self.endpoint, "region": "us-east-1"})
        for name in os.listdir(self.inst):
            path = os.path.join(self.inst, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    self.assertNotIn(SECRET.encode(), f.read(), name)

    def test_secret_options_are_refused(self):
        r = self.fails("add-storage", "s3://bucket/data", "-o", "secret_access_key", "hunter2",
                       contains=["secret_access_key", "AWS_SECRET_ACCESS_KEY"], rc=2)
        self.assertNotIn("hunter2", r.err)
        self.assertEqual(self.ok("storage", "list"), "")

    def test_wrong_credentials_are_a_clear_error_without_the_secret(self):
        self.upload_pairs("bucket", "data", 1)
        wrong = "not-the-secret-at-all"
        r = self.fails("add-storage", "s3://bucket/data", "-o", "endpoint", self.endpoint,
                       env={"AWS_SECRET_ACCESS_KEY": wrong},
                       contains=["access denied (SignatureDoesNotMatch)", "s3://bucket/data"], rc=5)
        self.assertNotIn(wrong, r.err)
        self.assertNotIn(SECRET, r.err)
        r = self.fails("add-storage", "s3://bucket/data", "-o", "endpoint", self.endpoint,
                       env={"AWS_ACCESS_KEY_ID": "AKIDUNKNOWN"}, contains="InvalidAccessKeyId", rc=5)

    def test_credentials_from_a_profile(self):
        self.upload_pairs("bucket", "data", 1)
        aws = os.path.join(self.home, ".aws")
        os.makedirs(aws)
        with open(os.path.join(aws, "credentials"), "w") as f:
            f.write(f"[team]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET}\n")
        env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
        self.ok("add-storage", "s3://bucket/data", "-o", "endpoint", self.endpoint, "-o", "profile", "team", env=env)
        self.ok("index", "s3://bucket/data", env=env)
        self.fails("index", "s3://bucket/data", env={**env, "AWS_PROFILE": "team"},  # env profile ignored:
                   contains="no credentials", cwd=self.ws) if False else None
        self.fails("add-storage", "s3://bucket/other", "-o", "endpoint", self.endpoint, "-o", "profile", "nobody",
                   env=env, contains=["nobody", "s3://bucket/other"], rc=3)
        self.fails("add-storage", "s3://bucket/data2", "-o", "endpoint", self.endpoint, env=env,
                   contains=["no credentials", "anon"], rc=2)

    def test_missing_bucket(self):
        self.fails("add-storage", "s3://nobucket/data", "-o", "endpoint", self.endpoint,
                   contains=["bucket 'nobucket' does not exist", "s3://nobucket/data"], rc=3)

    def test_a_bucket_as_the_read_add_location(self):
        # A local pair outside every storage location is uploaded below
        # ldb-add/<unique>/ in the bucket, indexed there and added.
        self.upload_pairs("bucket", "data", 1)
        self.add_storage("s3://bucket/data", "-a", "true")
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        content = data_bytes("uploaded")
        with open(os.path.join(outside, "new.png"), "wb") as f:
            f.write(content)
        with open(os.path.join(outside, "new.json"), "w") as f:
            json.dump({"n": 99}, f)
        self.ok("stage", "ds:up", self.ws)
        self.ok("add", os.path.join(outside, "new.png"))
        keys = sorted(k for k in self.server.keys("bucket") if "/ldb-add/" in k)
        self.assertEqual(len(keys), 2, keys)
        self.assertTrue(all(k.startswith("data/ldb-add/") for k in keys), keys)
        self.assertEqual([k.rsplit("/", 1)[1] for k in keys], ["new.json", "new.png"])
        listed = self.ok_json("list", "--json")
        self.assertEqual([e["id"][3:] for e in listed], [md5(content)])
        self.assertTrue(listed[0]["path"].startswith("s3://bucket/data/ldb-add/"), listed[0])
        self.assertEqual(self.ok("eval", "-j", "id:" + md5(content)).strip(), '{"n":99}')
        self.ok("commit")
        self.ok("instantiate")
        self.assertEqual(data_hashes(self.ws), [md5(content)])

    def test_an_https_read_add_location_is_refused(self):
        self.fails("add-storage", "-a", "true", "https://example.invalid/data",
                   contains="cannot be the read-add location", rc=7)
        self.assertEqual(self.ok("storage", "list"), "")

    def test_missing_prefix(self):
        self.fails("add-storage", "s3://bucket/nothing", "-o", "endpoint", self.endpoint,
                   contains="'s3://bucket/nothing' does not exist", rc=3)

    def test_server_answering_500_is_retried_then_reported(self):
        self.upload_pairs("bucket", "data", 1)
        self.add_storage("s3://bucket/data")
        self.server.fail_status = 500
        self.server.requests.clear()
        self.fails("index", "s3://bucket/data", contains=["HTTP 500", "s3://bucket/data"], rc=5)
        self.assertEqual(len(self.server.requests), 3)  # LDB_HTTP_RETRIES=2: three tries

    def test_transient_errors_are_retried(self):
        self.upload_pairs("bucket", "data", 2)
        self.add_storage("s3://bucket/data")
        self.server.fail_first = 2
        self.ok("index", "s3://bucket/data")
        self.assertTrue(self.ok("list", "ds:root", "-s").startswith("2"))

    def test_dropped_connections_are_an_error_not_a_hang(self):
        self.upload_pairs("bucket", "data", 1)
        self.add_storage("s3://bucket/data")
        self.server.drop = True
        start = time.monotonic()
        self.fails("index", "s3://bucket/data", contains=["could not read", self.endpoint, "s3://bucket/data"],
                   rc=5, timeout=60)
        self.assertLess(time.monotonic() - start, 30)

    def test_a_stalled_server_times_out(self):
        self.upload_pairs("bucket", "data", 1)
        self.add_storage("s3://bucket/data", "-o", "timeout", "1", "-o", "retries", "0")
        self.server.stall_seconds = 5
        start = time.monotonic()
        self.fails("index", "s3://bucket/data", contains=["timed out", "s3://bucket/data"], rc=5, timeout=60)
        self.assertLess(time.monotonic() - start, 4.5)

    def test_unreachable_endpoint(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.fails("add-storage", "s3://bucket/data", "-o", "endpoint", f"http://127.0.0.1:{port}",
                   contains=["could not read", f"127.0.0.1:{port}"], rc=5)

    def test_virtual_host_addressing(self):
        self.upload_pairs("bucket", "data", 2)
        self.ok("add-storage", "s3://bucket/data", "-o", "endpoint", f"http://localhost:{self.server.port}",
                "-o", "addressing", "virtual")
        self.ok("index", "s3://bucket/data")
        self.assertTrue(self.ok("list", "ds:root", "-s").startswith("2"))

    def test_gs_through_the_interoperable_api_with_hmac_keys(self):
        hashes = self.upload_pairs("bucket", "gcs", 2)
        env = {"GS_ACCESS_KEY_ID": ACCESS_KEY, "GS_SECRET_ACCESS_KEY": SECRET, "AWS_ACCESS_KEY_ID": "",
               "AWS_SECRET_ACCESS_KEY": ""}
        self.ok("add-storage", "gs://bucket/gcs", "-o", "endpoint", self.endpoint, env=env)
        self.ok("index", "gs://bucket/gcs", env=env)
        listed = self.ok("list", "ds:root", env=env)
        for h in hashes:
            self.assertIn(h, listed)
        self.assertIn("gs://bucket/gcs/img0.png", listed)

    def test_paths_outside_registered_storage_are_refused(self):
        self.upload_pairs("bucket", "data", 1)
        self.fails("index", "s3://bucket/data", contains="not inside a registered storage location")


def data_hashes(folder):
    """MD5s of the .png files instantiated in folder (each has its .json beside it)."""
    out = []
    for name in files_under(folder):
        if name.endswith(".png"):
            with open(os.path.join(folder, name), "rb") as f:
                out.append(md5(f.read()))
            assert os.path.exists(os.path.join(folder, name[:-4] + ".json")), name
    return sorted(out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(os.access(S3RVER, os.X_OK), f"s3rver is not installed in {SERVERS_DIR} (scripts/install-deps.sh)")
class S3rverTests(S3Case):
    """The same workflow against s3rver, an independent S3 implementation
    (which checks the access key id; its development keys are S3RVER/S3RVER)."""

    def setUp(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"ldb-s3rver-{os.getpid()}-{self.port}")
        self.proc = subprocess.Popen([S3RVER, "-d", self.server_dir, "-a", "127.0.0.1", "-p", str(self.port),
                                      "--configure-bucket", "bucket", "--silent"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(shutil.rmtree, self.server_dir, True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        super().setUp()
        self.env.update({"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"})

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        super().tearDown()

    def put(self, bucket, key, data, multipart=False):
        request = urllib.request.Request(f"{self.endpoint}/{bucket}/{key}", data=data, method="PUT")
        with urllib.request.urlopen(request, timeout=10) as answer:
            self.assertEqual(answer.status, 200)

    def test_workflow(self):
        hashes = self.workflow("bucket")
        other = os.path.join(self.tmp, "other")
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.ok("instantiate", "-t", other, cwd=self.ws)
        self.assertEqual(data_hashes(other), sorted(hashes[2:]))

    def test_missing_bucket(self):
        self.fails("add-storage", "s3://nobucket/data", "-o", "endpoint", self.endpoint,
                   contains="bucket 'nobucket' does not exist", rc=3)


if __name__ == "__main__":
    unittest.main()
