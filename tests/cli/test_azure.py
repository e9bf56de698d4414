"""ldb on Azure Blob storage, against Azurite (the Azure Storage emulator from
npm, which verifies Shared Key signatures) on loopback. scripts/install-deps.sh
installs it into $LDB_TEST_SERVERS_DIR (default ~/.cache/ldb-test-servers);
the tests are skipped only when it is not installed. Blobs are uploaded here
with a Shared Key signer written in Python, independent of ldb's.
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from email.utils import formatdate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldbtest import LdbTestCase, data_bytes, md5  # noqa: E402
from test_s3 import data_hashes  # noqa: E402

SERVERS_DIR = os.environ.get("LDB_TEST_SERVERS_DIR", os.path.expanduser("~/.cache/ldb-test-servers"))
AZURITE = os.path.join(SERVERS_DIR, "node_modules", ".bin", "azurite-blob")
ACCOUNT = "devstoreaccount1"
# Azurite's documented, public development key.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_key_request(endpoint, method, path, query=None, body=b"", headers=None):
    """Sends a Shared Key signed request to Azurite; returns (status, body)."""
    headers = dict(headers or {})
    headers.setdefault("Content-Type", "application/octet-stream")  # urllib would add its own, unsigned
    headers["x-ms-date"] = formatdate(usegmt=True)
    headers["x-ms-version"] = "2021-08-06"
    query = query or {}
    url_path = urllib.parse.urlparse(endpoint).path + path
    length = str(len(body)) if body else ""
    lower = {k.lower(): v for k, v in headers.items()}
    standard = ["content-encoding", "content-language", None, "content-md5", "content-type", "date",
                "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"]
    lines = [method] + [length if name is None else lower.get(name, "") for name in standard]
    ms = "".join(f"{k}:{v}\n" for k, v in sorted(lower.items()) if k.startswith("x-ms-"))
    resource = f"/{ACCOUNT}{urllib.parse.quote(url_path)}" + "".join(
        f"\n{k.lower()}:{v}" for k, v in sorted(query.items()))
    to_sign = "\n".join(lines) + "\n" + ms + resource
    signature = base64.b64encode(hmac.new(base64.b64decode(KEY), to_sign.encode(), hashlib.sha256).digest()).decode()
    headers["Authorization"] = f"SharedKey {ACCOUNT}:{signature}"
    url = endpoint + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(url, data=body if method == "PUT" else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@unittest.skipUnless(os.access(AZURITE, os.X_OK), f"Azurite is not installed in {SERVERS_DIR} (scripts/install-deps.sh)")
class AzureTests(LdbTestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.endpoint = f"http://127.0.0.1:{cls.port}/{ACCOUNT}"
        cls.server_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"ldb-azurite-{os.getpid()}-{cls.port}")
        os.makedirs(cls.server_dir, exist_ok=True)
        cls.proc = subprocess.Popen([AZURITE, "--location", cls.server_dir, "--blobHost", "127.0.0.1",
                                     "--blobPort", str(cls.port), "--skipApiVersionCheck", "--silent"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", cls.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        cls.containers = 0

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # Azurite sometimes ignores SIGTERM while flushing
            cls.proc.kill()
            cls.proc.wait(timeout=10)
        shutil.rmtree(cls.server_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        type(self).containers += 1
        self.container = f"ctr{type(self).containers}"
        status, body = shared_key_request(self.endpoint, "PUT", f"/{self.container}", {"restype": "container"})
        self.assertEqual(status, 201, body)
        for name in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN"):
            self.env.pop(name, None)
        self.env.update({"AZURE_STORAGE_ACCOUNT": ACCOUNT, "AZURE_STORAGE_KEY": KEY,
                         "LDB_CACHE_DIR": os.path.join(self.tmp, "cache"), "LDB_HTTP_RETRIES": "1"})
        inst = os.path.join(self.tmp, "inst")
        self.ok("init", inst)
        self.env["LDB_DIR"] = inst
        self.inst = inst

    def put(self, name, data):
        status, body = shared_key_request(self.endpoint, "PUT", f"/{self.container}/{name}", body=data,
                                          headers={"x-ms-blob-type": "BlockBlob"})
        self.assertEqual(status, 201, body)

    def upload_pairs(self, prefix, count):
        hashes = []
        for i in range(count):
            content = data_bytes(f"az{i}")
            self.put(f"{prefix}/img{i}.png", content)
            self.put(f"{prefix}/img{i}.json", json.dumps({"n": i}).encode())
            hashes.append(md5(content))
        return hashes

    def test_workflow_with_shared_key(self):
        hashes = self.upload_pairs("data", 4)
        location = f"az://{self.container}/data"
        self.ok("add-storage", location, "-o", "endpoint", self.endpoint)
        self.assertIn("4", self.ok("index", location))
        self.ok("stage", "ds:az", self.ws)
        self.ok("add", location, "--query", "n < `2`")
        self.ok("commit", "-m", "from azure")
        self.ok("instantiate")
        self.assertEqual(data_hashes(self.ws), sorted(hashes[:2]))
        # Second instantiate elsewhere: from the cache, with the emulator's answers not needed.
        other = os.path.join(self.tmp, "other")
        self.ok("instantiate", "-t", other, cwd=self.ws, env={"AZURE_STORAGE_KEY": "d3Jvbmc="})
        self.assertEqual(data_hashes(other), sorted(hashes[:2]))
        listed = json.loads(self.ok("storage", "list", "--json"))
        self.assertEqual(listed[0]["path"], location)
        with open(os.path.join(self.inst, "ldb.sqlite"), "rb") as f:
            self.assertNotIn(KEY.encode(), f.read())

    def test_azure_alias_and_connection_string(self):
        self.upload_pairs("cs", 2)
        env = {"AZURE_STORAGE_ACCOUNT": "", "AZURE_STORAGE_KEY": "",
               "AZURE_STORAGE_CONNECTION_STRING":
                   f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};BlobEndpoint={self.endpoint};"}
        self.ok("add-storage", f"azure://{self.container}/cs", env=env)
        self.ok("index", f"azure://{self.container}/cs", env=env)
        self.assertIn(f"az://{self.container}/cs/img0.png", self.ok("list", "ds:root", env=env))

    def test_wrong_key_is_a_clear_error_without_the_key(self):
        self.upload_pairs("data", 1)
        wrong = base64.b64encode(b"x" * 64).decode()
        r = self.fails("add-storage", f"az://{self.container}/data", "-o", "endpoint", self.endpoint,
                       env={"AZURE_STORAGE_KEY": wrong}, contains=["access denied", f"az://{self.container}/data"],
                       rc=5)
        self.assertNotIn(wrong, r.err)
        self.assertNotIn(KEY, r.err)

    def test_missing_container(self):
        self.fails("add-storage", "az://nocontainer/data", "-o", "endpoint", self.endpoint,
                   contains=["container 'nocontainer' does not exist", "az://nocontainer/data"], rc=3)

    def test_sas_token(self):
        self.upload_pairs("sas", 1)
        # An account SAS signed with the emulator's key (read and list on containers and objects).
        expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        fields = {"sv": "2021-08-06", "ss": "b", "srt": "co", "sp": "rl", "se": expiry, "spr": "https,http"}
        to_sign = "\n".join([ACCOUNT, fields["sp"], fields["ss"], fields["srt"], "", fields["se"], "",
                             fields["spr"], fields["sv"], "", ""])
        fields["sig"] = base64.b64encode(hmac.new(base64.b64decode(KEY), to_sign.encode(),
                                                  hashlib.sha256).digest()).decode()
        sas = urllib.parse.urlencode(fields)
        env = {"AZURE_STORAGE_KEY": "", "AZURE_STORAGE_SAS_TOKEN": sas}
        self.ok("add-storage", f"az://{self.container}/sas", "-o", "endpoint", self.endpoint, env=env)
        self.ok("index", f"az://{self.container}/sas", env=env)
        self.assertTrue(self.ok("list", "ds:root", "-s", env=env).startswith("1"))
        # A SAS that was tampered with is refused, and never shown.
        bad = sas.replace("sig=", "sig=AAAA")
        r = self.fails("index", f"az://{self.container}/sas", env={"AZURE_STORAGE_KEY": "",
                                                                  "AZURE_STORAGE_SAS_TOKEN": bad,
                                                                  "LDB_CACHE_DIR": os.path.join(self.tmp, "c2")},
                       contains="access denied")
        self.assertNotIn("sig=", r.err)

    def test_missing_credentials(self):
        self.fails("add-storage", f"az://{self.container}/x", "-o", "endpoint", self.endpoint,
                   env={"AZURE_STORAGE_KEY": ""}, contains=["no Azure credentials", "AZURE_STORAGE_KEY"], rc=2)


if __name__ == "__main__":
    unittest.main()
