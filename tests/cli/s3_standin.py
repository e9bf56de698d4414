"""A small S3 stand-in for the CLI tests: buckets in memory, ListObjectsV2
with pagination, HEAD, ranged GET and PUT, and SigV4 checking written here
independently of ldb's C++ signer (so a wrong signature is a 403, as on AWS).
It also misbehaves on demand (HTTP 500, dropped connections, a stalled
answer) and records every request, so tests can count what ldb fetched.

Use it in-process:  server = S3Standin(access_key, secret); server.start();
server.put("bucket", "key", b"..."); ... server.stop().
"""

import hashlib
import hmac
import socket
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def canonical_query(raw_query: str) -> str:
    pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(pairs))


class _Object:
    def __init__(self, data: bytes, etag: str):
        self.data = data
        self.etag = etag
        self.mtime = time.time()


class S3Standin:
    def __init__(self, access_key="AKIDSTANDIN", secret="standin/secret+key", region="us-east-1", page_size=1000):
        self.access_key = access_key
        self.secret = secret
        self.region = region
        self.page_size = page_size
        self.buckets = {}
        self.requests = []  # (method, bucket, key, range header or "")
        self.fail_status = None  # answer every request with this status
        self.fail_first = 0  # answer this many next requests with 500
        self.drop = False  # close connections without answering
        self.stall_seconds = 0  # wait this long before answering
        self.lock = threading.Lock()
        self._server = None
        self._thread = None

    # ---- content --------------------------------------------------------
    def create_bucket(self, name):
        self.buckets.setdefault(name, {})

    def put(self, bucket, key, data: bytes, multipart=False):
        self.create_bucket(bucket)
        digest = hashlib.md5(data).hexdigest()
        etag = f"{hashlib.md5(digest.encode()).hexdigest()}-2" if multipart else digest
        self.buckets[bucket][key] = _Object(data, etag)

    def keys(self, bucket):
        with self.lock:
            return list(self.buckets.get(bucket, {}))

    def requests_for(self, method=None, key_part=""):
        with self.lock:
            return [r for r in self.requests if (method is None or r[0] == method) and key_part in r[2]]

    # ---- running --------------------------------------------------------
    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        standin = self

        class Handler(_Handler):
            server_state = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _Handler(BaseHTTPRequestHandler):
    server_state: S3Standin = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # ldb gave up on a stalled or failing answer: expected in those tests

    # ---- plumbing -------------------------------------------------------
    def _send(self, status, body=b"", headers=None, head=False):
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if body and not head:
            self.wfile.write(body)

    def _error(self, status, code, message="", head=False):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                f"<Message>{escape(message)}</Message></Error>").encode()
        self._send(status, b"" if head else body, {"Content-Type": "application/xml",
                                                      "Content-Length": str(0 if head else len(body))}, head)

    def _target(self):
        raw_path, _, raw_query = self.path.partition("?")
        host = self.headers.get("Host", "")
        parts = urllib.parse.unquote(raw_path).lstrip("/")
        if ".localhost" in host:  # virtual-host addressing
            bucket, key = host.split(".localhost")[0], parts
        else:
            bucket, _, key = parts.partition("/")
        return raw_path, raw_query, bucket, key

    def _check_signature(self, raw_path, raw_query, body):
        state = self.server_state
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return "AccessDenied", "anonymous access is refused"
        fields = dict(item.strip().split("=", 1) for item in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        credential = fields["Credential"].split("/")
        if credential[0] != state.access_key:
            return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        date, region, service = credential[1], credential[2], credential[3]
        signed = fields["SignedHeaders"].split(";")
        for required in ("host", "x-amz-date", "x-amz-content-sha256"):
            if required not in signed:
                return "AccessDenied", f"{required} must be signed"
        payload_hash = self.headers.get("x-amz-content-sha256", "")
        if payload_hash != "UNSIGNED-PAYLOAD" and payload_hash != hashlib.sha256(body).hexdigest():
            return "XAmzContentSHA256Mismatch", "payload hash mismatch"
        headers = "".join(f"{name}:{' '.join(self.headers.get(name, '').split())}\n" for name in signed)
        canonical = "\n".join([self.command, raw_path or "/", canonical_query(raw_query), headers,
                               ";".join(signed), payload_hash])
        amz_date = self.headers.get("x-amz-date", "")
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + state.secret).encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        return None

    def _misbehave(self):
        state = self.server_state
        if state.stall_seconds:
            time.sleep(state.stall_seconds)
        if state.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        with state.lock:
            status = state.fail_status
            if status is None and state.fail_first > 0:
                state.fail_first -= 1
                status = 500
        if status is not None:
            self._error(status, "InternalError" if status == 500 else "SlowDown", "injected", self.command == "HEAD")
            return True
        return False

    def _handle(self):
        state = self.server_state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, raw_query, bucket, key = self._target()
        with state.lock:
            state.requests.append((self.command, bucket, key, self.headers.get("Range", "")))
        if self._misbehave():
            return
        head = self.command == "HEAD"
        problem = self._check_signature(raw_path, raw_query, body)
        if problem:
            return self._error(403, problem[0], problem[1], head)
        if bucket not in state.buckets:
            return self._error(404, "NoSuchBucket", "The specified bucket does not exist", head)
        objects = state.buckets[bucket]
        if self.command == "GET" and not key:
            return self._list(objects, urllib.parse.parse_qs(raw_query))
        if self.command == "PUT":
            objects[key] = _Object(body, hashlib.md5(body).hexdigest())
            return self._send(200, b"", {"ETag": f'"{objects[key].etag}"'})
        obj = objects.get(key)
        if obj is None:
            return self._error(404, "NoSuchKey", "The specified key does not exist.", head)
        headers = {"ETag": f'"{obj.etag}"', "Last-Modified": formatdate(obj.mtime, usegmt=True),
                   "Content-Type": "application/octet-stream"}
        data = obj.data
        status = 200
        wanted = self.headers.get("Range")
        if wanted and not head:
            first, _, last = wanted[len("bytes="):].partition("-")
            first = int(first)
            last = min(int(last) if last else len(data) - 1, len(data) - 1)
            if first >= len(data):
                return self._error(416, "InvalidRange", "The requested range is not satisfiable")
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            data = data[first:last + 1]
            status = 206
        headers["Content-Length"] = str(len(data))
        self._send(status, data, headers, head)

    def _list(self, objects, query):
        state = self.server_state
        prefix = query.get("prefix", [""])[0]
        token = query.get("continuation-token", [""])[0]
        page = min(int(query.get("max-keys", ["1000"])[0]), state.page_size)
        keys = sorted(k for k in objects if k.startswith(prefix) and k > token)
        chunk, truncated = keys[:page], len(keys) > page
        items = "".join(
            f"<Contents><Key>{escape(k)}</Key><LastModified>"
            f"{time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime(objects[k].mtime))}</LastModified>"
            f"<ETag>&quot;{objects[k].etag}&quot;</ETag><Size>{len(objects[k].data)}</Size></Contents>"
            for k in chunk)
        more = f"<NextContinuationToken>{escape(chunk[-1])}</NextContinuationToken>" if truncated else ""
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Prefix>{escape(prefix)}</Prefix>"
                f"<KeyCount>{len(chunk)}</KeyCount><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
                f"{items}{more}</ListBucketResult>").encode()
        self._send(200, body, {"Content-Type": "application/xml"})

    do_GET = _handle
    do_HEAD = _handle
    do_PUT = _handle
