#!/usr/bin/env python3
"""The S3 client against a fault-injecting S3 stand-in written here, for what
a real server will not do on demand: answer 503 SlowDown or 500, break a
download half-way, stall, page a listing two keys at a time with awkward
continuation tokens, or hold part uploads long enough to count how many run
at once. The stand-in checks every request's SigV4 signature with its own
implementation (AWS's algorithm, independently written) and that
x-amz-content-sha256 is the body's real SHA-256.

Driven through storage_tool with the s3:// and minio:// plugins."""

import hashlib
import hmac
import os
import re
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "servers"))
from radosgw import storage_tool  # noqa: E402

ACCESS = "AKIDCAIRNFAKE0001"
SECRET = "fake/secret+key=" + uuid.uuid4().hex
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def canonical_query(raw):
    pairs = []
    for item in raw.split("&") if raw else []:
        k, _, v = item.partition("=")
        k = urllib.parse.quote(urllib.parse.unquote(k), safe="-_.~")
        v = urllib.parse.quote(urllib.parse.unquote(v), safe="-_.~")
        pairs.append((k, v))
    return "&".join("%s=%s" % kv for kv in sorted(pairs))


class Fake:
    """State of the stand-in, shared by its handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.objects = {}       # key -> bytes
            self.uploads = {}       # upload id -> {"key", "parts": {n: bytes}}
            self.requests = []      # (method, path, query dict, headers dict)
            self.faults = []        # [(predicate, action)] consumed in order of match
            self.bad = []           # what the stand-in found wrong with a request
            self.page_size = 1000
            self.part_delay = 0.0
            self.active_parts = 0
            self.max_active_parts = 0
            self.aborts = 0

    def take_fault(self, method, query, headers):
        with self.lock:
            for i, (pred, action) in enumerate(self.faults):
                if pred(method, query, headers):
                    del self.faults[i]
                    return action
        return None


FAKE = Fake()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    # -- plumbing ---------------------------------------------------------
    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message="stand-in error"):
        body = ("<?xml version=\"1.0\"?><Error><Code>%s</Code><Message>%s</Message></Error>"
                % (code, message)).encode()
        self.reply(status, body, {"Content-Type": "application/xml"})

    def check_signature(self, body):
        h = {k.lower(): v for k, v in self.headers.items()}
        auth = h.get("authorization")
        if auth is None:
            return  # anonymous: the tests that care look at the headers
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", auth)
        if not m:
            FAKE.bad.append("malformed Authorization: " + auth)
            return
        ak, date, region, signed, sig = m.groups()
        payload = h.get("x-amz-content-sha256", "")
        if payload != hashlib.sha256(body).hexdigest():
            FAKE.bad.append("x-amz-content-sha256 %s is not the body's hash" % payload)
        for need in ("host", "x-amz-content-sha256", "x-amz-date"):
            if need not in signed.split(";"):
                FAKE.bad.append("%s not signed" % need)
        if "x-amz-security-token" in h and "x-amz-security-token" not in signed.split(";"):
            FAKE.bad.append("x-amz-security-token sent but not signed")
        path, _, query = self.path.partition("?")
        creq = "\n".join([self.command, path, canonical_query(query)]
                         + ["%s:%s" % (n, h.get(n, "").strip()) for n in signed.split(";")]
                         + ["", signed, payload])
        sts = "\n".join(["AWS4-HMAC-SHA256", h.get("x-amz-date", ""),
                         "%s/%s/s3/aws4_request" % (date, region),
                         hashlib.sha256(creq.encode()).hexdigest()])
        k = hmac256(("AWS4" + SECRET).encode(), date)
        for part in (region, "s3", "aws4_request"):
            k = hmac256(k, part)
        want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        if ak != ACCESS or sig != want:
            FAKE.bad.append("bad signature for %s %s" % (self.command, self.path))

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path, _, raw_query = self.path.partition("?")
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with FAKE.lock:
            FAKE.requests.append((self.command, path, query, headers))
        self.check_signature(body)
        fault = FAKE.take_fault(self.command, query, headers)
        if fault:
            return fault(self)
        parts = urllib.parse.unquote(path).lstrip("/").split("/", 1)
        bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
        if bucket != "bkt":
            return self.error(404, "NoSuchBucket")
        if not key:
            return self.list_bucket(query)
        getattr(self, "do_obj_" + self.command)(key, query, body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    # -- S3 ---------------------------------------------------------------
    def list_bucket(self, query):
        prefix = query.get("prefix", "")
        keys = sorted(k for k in FAKE.objects if k.startswith(prefix))
        start = 0
        if "continuation-token" in query:
            start = int(query["continuation-token"].split("/")[1])
        page = keys[start:start + FAKE.page_size]
        more = start + FAKE.page_size < len(keys)
        # Tokens with characters that must be percent-encoded when sent back.
        token = "tok+en/%d/==" % (start + FAKE.page_size)
        xml = "<ListBucketResult><Name>bkt</Name>"
        xml += "".join("<Contents><Key>%s</Key><Size>%d</Size></Contents>"
                       % (k.replace("&", "&amp;").replace("<", "&lt;"), len(FAKE.objects[k]))
                       for k in page)
        xml += "<IsTruncated>%s</IsTruncated>" % ("true" if more else "false")
        if more:
            xml += "<NextContinuationToken>%s</NextContinuationToken>" % token
        xml += "</ListBucketResult>"
        self.reply(200, xml.encode())

    def etag(self, data):
        return '"%s"' % hashlib.md5(data).hexdigest()

    def do_obj_PUT(self, key, query, body):
        if "uploadId" in query:
            up = FAKE.uploads.get(query["uploadId"])
            if up is None:
                return self.error(404, "NoSuchUpload")
            with FAKE.lock:
                FAKE.active_parts += 1
                FAKE.max_active_parts = max(FAKE.max_active_parts, FAKE.active_parts)
            time.sleep(FAKE.part_delay)
            with FAKE.lock:
                FAKE.active_parts -= 1
                up["parts"][int(query["partNumber"])] = body
            return self.reply(200, b"", {"ETag": self.etag(body)})
        FAKE.objects[key] = body
        self.reply(200, b"", {"ETag": self.etag(body)})

    def do_obj_POST(self, key, query, body):
        if "uploads" in query:
            uid = "up/" + uuid.uuid4().hex
            FAKE.uploads[uid] = {"key": key, "parts": {}}
            return self.reply(200, ("<InitiateMultipartUploadResult><UploadId>%s</UploadId>"
                                    "</InitiateMultipartUploadResult>" % uid).encode())
        up = FAKE.uploads.pop(query.get("uploadId"), None)
        if up is None:
            return self.error(404, "NoSuchUpload")
        listed = [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>", body)]
        if listed != sorted(up["parts"]) or listed != list(range(1, len(listed) + 1)):
            return self.error(400, "InvalidPartOrder")
        for n in listed[:-1]:
            if len(up["parts"][n]) < 5 << 20:
                return self.error(400, "EntityTooSmall")
        FAKE.objects[key] = b"".join(up["parts"][n] for n in listed)
        self.reply(200, b"<CompleteMultipartUploadResult><ETag>\"x-1\"</ETag>"
                   b"</CompleteMultipartUploadResult>")

    def do_obj_DELETE(self, key, query, body):
        if "uploadId" in query:
            with FAKE.lock:
                FAKE.aborts += 1
            if FAKE.uploads.pop(query["uploadId"], None) is None:
                return self.error(404, "NoSuchUpload")
            return self.reply(204)
        FAKE.objects.pop(key, None)
        self.reply(204)

    def do_obj_HEAD(self, key, query, body):
        if key not in FAKE.objects:
            return self.reply(404)
        data = FAKE.objects[key]
        self.reply(200, b"", {"Content-Length": str(len(data)), "ETag": self.etag(data)})

    def do_obj_GET(self, key, query, body):
        if key not in FAKE.objects:
            return self.error(404, "NoSuchKey")
        data = FAKE.objects[key]
        rng = self.headers.get("Range")
        if rng:
            if self.headers.get("If-Match") not in (None, self.etag(data)):
                return self.error(412, "PreconditionFailed")
            m = re.match(r"bytes=(\d+)-(\d*)$", rng)
            start = int(m.group(1))
            last = min(int(m.group(2)), len(data) - 1) if m.group(2) else len(data) - 1
            if start >= len(data):
                return self.error(416, "InvalidRange")
            part = data[start:last + 1]
            return self.reply(206, part, {
                "Content-Range": "bytes %d-%d/%d" % (start, last, len(data)),
                "ETag": self.etag(data)})
        self.reply(200, data, {"ETag": self.etag(data)})


# -- faults -----------------------------------------------------------------
def answer(status, code):
    return lambda h: h.error(status, code)


def broken_after(nbytes):
    """Sends the headers of the whole object, nbytes of it, then hangs up."""
    def act(h):
        key = urllib.parse.unquote(h.path.partition("?")[0]).split("/", 2)[2]
        data = FAKE.objects[key]
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("ETag", h.etag(data))
        h.end_headers()
        h.wfile.write(data[:nbytes])
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
    return act


def stalls_after(nbytes, seconds):
    def act(h):
        key = urllib.parse.unquote(h.path.partition("?")[0]).split("/", 2)[2]
        data = FAKE.objects[key]
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("ETag", h.etag(data))
        h.end_headers()
        h.wfile.write(data[:nbytes])
        h.wfile.flush()
        time.sleep(seconds)
        h.close_connection = True
    return act


def is_part(n):
    return lambda m, q, h: m == "PUT" and q.get("partNumber") == str(n)


def is_put(m, q, h):
    return m == "PUT"


def is_get(m, q, h):
    return m == "GET" and "list-type" not in q


SERVER = None
PORT = 0


def setUpModule():
    global SERVER, PORT
    SERVER = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    SERVER.daemon_threads = True
    PORT = SERVER.server_address[1]
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()


def tearDownModule():
    SERVER.shutdown()


def loc(scheme="s3", prefix="", query="secure=false"):
    return "%s://127.0.0.1:%d/bkt%s?%s" % (scheme, PORT, "/" + prefix if prefix else "", query)


def creds(scheme="s3"):
    if scheme == "minio":
        return {"MINIO_ACCESS_KEY": ACCESS, "MINIO_SECRET_KEY": SECRET}
    return {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET}


class Faults(unittest.TestCase):
    def setUp(self):
        FAKE.reset()

    def tearDown(self):
        self.assertEqual(FAKE.bad, [], "the stand-in found bad requests")

    def tool(self, *args, data=b"", env=None, ok=True):
        p = storage_tool(*args, data=data, env=creds() if env is None else env)
        if ok:
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        return p

    def requests(self, method=None, pred=None):
        return [r for r in FAKE.requests
                if (method is None or r[0] == method) and (pred is None or pred(r))]

    def test_every_request_is_signed_with_the_payloads_real_sha256(self):
        data = os.urandom(12 << 20)   # three parts
        self.tool("put", loc(), "big.bin", data=data)
        small = b"x" * 1000
        self.tool("put", loc("minio"), "small.bin", data=small, env=creds("minio"))
        self.assertEqual(FAKE.objects["big.bin"], data)
        self.assertEqual(FAKE.objects["small.bin"], small)
        self.assertEqual(len(self.requests("PUT", lambda r: "partNumber" in r[2])), 3)
        out = self.tool("get", loc(), "big.bin").stdout
        self.assertEqual(out, data)
        # Every request carried a signature the stand-in checked (tearDown: none bad).
        self.assertTrue(all("authorization" in r[3] for r in FAKE.requests))

    def test_parts_upload_concurrently_but_boundedly(self):
        FAKE.part_delay = 0.4
        data = os.urandom(40 << 20)   # eight 5 MiB parts
        t = time.time()
        self.tool("put", loc(), "par.bin", data=data)
        elapsed = time.time() - t
        self.assertEqual(FAKE.objects["par.bin"], data)
        self.assertGreaterEqual(FAKE.max_active_parts, 2, "parts went up one at a time")
        self.assertLessEqual(FAKE.max_active_parts, 4, "more parts in flight than the bound")
        self.assertLess(elapsed, 8 * 0.4, "eight 0.4 s parts took as long as in series")

    def test_5xx_and_slowdown_are_retried_until_they_pass(self):
        FAKE.faults = [(is_put, answer(503, "SlowDown")), (is_put, answer(500, "InternalError"))]
        self.tool("put", loc(), "retry.bin", data=b"retry me")
        self.assertEqual(FAKE.objects["retry.bin"], b"retry me")
        self.assertEqual(len(self.requests("PUT")), 3)

    def test_a_failing_part_is_retried_and_the_upload_completes(self):
        FAKE.faults = [(is_part(2), answer(503, "ServiceUnavailable"))]
        data = os.urandom(11 << 20)
        self.tool("put", loc(), "p.bin", data=data)
        self.assertEqual(FAKE.objects["p.bin"], data)
        self.assertEqual(len(self.requests("PUT", lambda r: r[2].get("partNumber") == "2")), 2)

    def test_4xx_is_not_retried(self):
        FAKE.faults = [(is_put, answer(403, "AccessDenied"))]
        p = self.tool("put", loc(), "denied.bin", data=b"x", ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"access denied to bucket \"bkt\"", p.stderr)
        self.assertEqual(len(self.requests("PUT")), 1)

    def test_a_part_that_keeps_failing_aborts_the_multipart_upload(self):
        FAKE.faults = [(is_part(2), answer(400, "InvalidArgument"))]
        p = self.tool("put", loc(), "fail.bin", data=os.urandom(16 << 20), ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"part 2", p.stderr)
        self.assertEqual(FAKE.aborts, 1)
        self.assertEqual(FAKE.uploads, {}, "a multipart upload was left behind")
        self.assertNotIn("fail.bin", FAKE.objects)

    def test_an_aborted_write_aborts_the_multipart_upload(self):
        self.tool("put", "--abort", loc(), "ab.bin", data=os.urandom(12 << 20))
        self.assertEqual(FAKE.aborts, 1)
        self.assertEqual(FAKE.uploads, {})
        self.assertNotIn("ab.bin", FAKE.objects)
        self.assertTrue(self.requests("PUT", lambda r: "partNumber" in r[2]),
                        "the abort came before any part: not a multipart abort")

    def test_a_broken_download_resumes_with_a_ranged_get(self):
        data = os.urandom(3 << 20)
        FAKE.objects["r.bin"] = data
        FAKE.faults = [(is_get, broken_after(1 << 20))]
        out = self.tool("get", loc(), "r.bin").stdout
        self.assertEqual(hashlib.sha256(out).hexdigest(), hashlib.sha256(data).hexdigest())
        gets = self.requests("GET", lambda r: "list-type" not in r[2])
        self.assertEqual(len(gets), 2)
        self.assertEqual(gets[1][3].get("range"), "bytes=%d-" % (1 << 20))
        self.assertEqual(gets[1][3].get("if-match"), '"%s"' % hashlib.md5(data).hexdigest())

    def test_a_ranged_read_asks_for_its_range_only(self):
        data = os.urandom(1 << 20)
        FAKE.objects["rg.bin"] = data
        out = self.tool("get", loc(), "rg.bin", "--range", "1000:5000").stdout
        self.assertEqual(out, data[1000:6000])
        gets = self.requests("GET", lambda r: "list-type" not in r[2])
        self.assertEqual([g[3].get("range") for g in gets], ["bytes=1000-5999"])
        # to the end, and past the end (the server's 416 is an empty range)
        self.assertEqual(self.tool("get", loc(), "rg.bin", "--range", "1040000:0").stdout,
                         data[1040000:])
        self.assertEqual(self.tool("get", loc(), "rg.bin", "--range", "%d:10" % (2 << 20)).stdout,
                         b"")

    def test_a_broken_ranged_read_resumes_inside_its_range(self):
        data = os.urandom(3 << 20)
        FAKE.objects["rb.bin"] = data
        # The first answer ignores the range (200, the whole object) and breaks.
        FAKE.faults = [(is_get, broken_after(1 << 20))]
        off, length = 100000, 2 << 20
        out = self.tool("get", loc(), "rb.bin", "--range", "%d:%d" % (off, length)).stdout
        self.assertEqual(hashlib.sha256(out).hexdigest(),
                         hashlib.sha256(data[off:off + length]).hexdigest())
        gets = self.requests("GET", lambda r: "list-type" not in r[2])
        self.assertEqual(len(gets), 2)
        self.assertEqual(gets[1][3].get("range"), "bytes=%d-%d" % (1 << 20, off + length - 1))
        self.assertEqual(gets[1][3].get("if-match"), '"%s"' % hashlib.md5(data).hexdigest())

    def test_a_stalled_download_times_out_and_resumes(self):
        data = os.urandom(2 << 20)
        FAKE.objects["s.bin"] = data
        # The server would hang for 30 s; the client gives up after stall_timeout
        # seconds without a byte (plus libcurl's few seconds of speed averaging).
        FAKE.faults = [(is_get, stalls_after(1 << 19, 30))]
        with tempfile.NamedTemporaryFile("w", suffix=".ini") as ini:
            ini.write("[s3]\nstall_timeout = 5\n")
            ini.flush()
            t = time.time()
            out = self.tool("--config", ini.name, "get", loc(), "s.bin").stdout
        self.assertEqual(out, data)
        self.assertLess(time.time() - t, 20, "did not give up on the stalled transfer")
        gets = self.requests("GET", lambda r: "list-type" not in r[2])
        self.assertEqual(gets[-1][3].get("range"), "bytes=%d-" % (1 << 19))

    def test_listing_follows_continuation_tokens(self):
        FAKE.page_size = 2
        names = ["a/%d" % i for i in range(7)] + ["a/x&y <z>", "b/other"]
        for n in names:
            FAKE.objects["pre/" + n] = n.encode()
        out = self.tool("list", loc(prefix="pre"), "a/").stdout.decode()
        listed = [line.split("\t", 1)[1] for line in out.splitlines()]
        self.assertEqual(listed, sorted(n for n in names if n.startswith("a/")))
        lists = self.requests("GET", lambda r: "list-type" in r[2])
        self.assertEqual(len(lists), 4)
        self.assertEqual(lists[1][2].get("continuation-token"), "tok+en/2/==")

    def test_session_token_is_sent_and_signed(self):
        self.tool("--param", "accessKey=" + ACCESS, "--param", "secretKey=" + SECRET,
                  "--param", "sessionToken=tok/en+1", "put", loc(), "t.bin", data=b"t", env={})
        h = self.requests("PUT")[0][3]
        self.assertEqual(h.get("x-amz-security-token"), "tok/en+1")
        self.assertIn("x-amz-security-token", h["authorization"])

    def test_anonymous_requests_are_unsigned(self):
        self.tool("--param", "anonymous=true", "put", loc(), "anon.bin", data=b"a", env=creds())
        h = self.requests("PUT")[0][3]
        self.assertNotIn("authorization", h)
        self.assertNotIn("x-amz-date", h)

    def test_region_parameter_goes_into_the_signature_scope(self):
        self.tool("put", loc(query="secure=false&region=eu-west-3"), "r.bin", data=b"r")
        self.assertIn("/eu-west-3/s3/aws4_request", self.requests("PUT")[0][3]["authorization"])
        self.tool("put", loc(), "r2.bin", data=b"r")
        self.assertIn("/us-east-1/s3/aws4_request", self.requests("PUT")[1][3]["authorization"])

    def test_keys_with_odd_characters_round_trip(self):
        name = "dir one/ü+&=?#%20;x~'.bin"
        self.tool("put", loc(), name, data=b"odd")
        self.assertEqual(FAKE.objects[name], b"odd")
        self.assertEqual(self.tool("get", loc(), name).stdout, b"odd")
        self.assertEqual(self.tool("stat", loc(), name).stdout, b"3\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
