#!/usr/bin/env python3
"""gcs_standin.py -- a Google Cloud Storage stand-in for cairn's tests.

No GCS emulator that checks credentials can be installed where cairn is
tested, so this answers the part of Google's APIs that storage-gcs (and
Google's own @google-cloud/storage, which a test drives against it) uses,
shaped the way Google documents it:

  POST /token, /oauth2/v4/token    OAuth 2.0 for service accounts: a JWT
                                   (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer)
                                   whose RS256 signature is checked against the
                                   account's public key, and its claims (iss a known
                                   account, aud the token endpoint, a storage scope,
                                   iat/exp sane, at most an hour) -> access_token
  GET    /storage/v1/b/B/o                  objects.list: prefix, maxResults, pageToken
  GET    /storage/v1/b/B/o/O                objects.get: metadata; alt=media: the bytes,
                                            Range honoured (206, 416 past the end),
                                            generation pinned
  DELETE /storage/v1/b/B/o/O                objects.delete: 204, 404 if missing
  POST   /upload/storage/v1/b/B/o           uploadType=media | multipart | resumable
  PUT    <session URI>                      resumable chunks: Content-Range
                                            "bytes a-b/*" (a multiple of 256 KiB),
                                            "bytes a-b/T" (the last), "bytes a-*/T|*" (the rest
                                            in one request), "bytes */T|*" (status);
                                            308 + Range while incomplete, 200 + metadata at the end
  DELETE <session URI>                      cancel: 499, the session is gone

Every storage call needs "Authorization: Bearer <token>" of an unexpired
token (401 otherwise, as Google answers, with WWW-Authenticate); an account
listed as read-only gets 403 on writes. Errors are Google's JSON error
bodies: {"error": {"code", "message", "errors": [{"message", "domain",
"reason"}]}}. A missing bucket is 404 "The specified bucket does not
exist."; a missing object 404 "No such object: B/O". crc32c (computed here
in Python) is given only for objects up to 16 MiB, md5Hash always. Not
modelled: the fields parameter (whole resources are answered), delimiter
listings, preconditions (ifGenerationMatch), buckets' own API, ACLs.

Usage: gcs_standin.py CONFIG.json [--port-file FILE]
  {
    "accounts": {"sa@p.iam.gserviceaccount.com": {"public_key": "PEM", "read_only": false}},
    "buckets": ["b1"],
    "token_ttl": 3600,          # seconds
    "page_size": 100,           # the most objects a list page holds
    "flaky": 0,                 # N > 0: every Nth storage request answers 503
    "token_log": "/path"        # test-only: every issued token, one a line
  }
GET /_standin/stats answers counters (no auth): tokens, pages, sessions...
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

QUANTUM = 256 * 1024
CRC_MAX = 16 * 1024 * 1024
SCOPES_RW = {"https://www.googleapis.com/auth/devstorage.read_write",
             "https://www.googleapis.com/auth/devstorage.full_control",
             "https://www.googleapis.com/auth/cloud-platform"}
SCOPES_RO = SCOPES_RW | {"https://www.googleapis.com/auth/devstorage.read_only",
                         "https://www.googleapis.com/auth/cloud-platform.read-only"}
GOOGLE_AUDS = {"https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v4/token"}


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    t = CRC_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


class Obj:
    def __init__(self, bucket, name, data, generation, content_type):
        self.bucket, self.name, self.data, self.generation = bucket, name, bytes(data), generation
        self.content_type = content_type or "application/octet-stream"
        self.created = time.time()
        self.md5 = base64.b64encode(hashlib.md5(self.data).digest()).decode()
        self.crc = None
        if len(self.data) <= CRC_MAX:
            self.crc = base64.b64encode(crc32c(self.data).to_bytes(4, "big")).decode()

    def resource(self, base):
        q = urllib.parse.quote(self.name, safe="")
        r = {"kind": "storage#object", "id": "%s/%s/%d" % (self.bucket, self.name, self.generation),
             "selfLink": "%s/storage/v1/b/%s/o/%s" % (base, self.bucket, q),
             "mediaLink": "%s/download/storage/v1/b/%s/o/%s?generation=%d&alt=media" % (
                 base, self.bucket, q, self.generation),
             "name": self.name, "bucket": self.bucket, "generation": str(self.generation),
             "metageneration": "1", "contentType": self.content_type, "storageClass": "STANDARD",
             "size": str(len(self.data)), "md5Hash": self.md5,
             "etag": base64.b64encode(str(self.generation).encode()).decode(),
             "timeCreated": rfc3339(self.created), "updated": rfc3339(self.created),
             "timeStorageClassUpdated": rfc3339(self.created)}
        if self.crc:
            r["crc32c"] = self.crc
        return r


class Store:
    def __init__(self, cfg):
        self.lock = threading.Lock()
        self.accounts = {}
        for email, a in cfg.get("accounts", {}).items():
            self.accounts[email] = {"key": serialization.load_pem_public_key(a["public_key"].encode()),
                                    "read_only": bool(a.get("read_only"))}
        self.buckets = {b: {} for b in cfg.get("buckets", [])}
        self.token_ttl = int(cfg.get("token_ttl", 3600))
        self.page_size = int(cfg.get("page_size", 100))
        self.flaky = int(cfg.get("flaky", 0))
        self.token_log = cfg.get("token_log")
        self.tokens = {}  # token -> (email, expiry, read_only)
        self.sessions = {}  # upload_id -> dict
        self.generation = int(time.time() * 1e6)
        self.requests = 0
        self.stats = {"tokens": 0, "token_refusals": 0, "list_pages": 0, "ranged_gets": 0,
                      "sessions": 0, "sessions_cancelled": 0, "chunks": 0, "simple_uploads": 0,
                      "multipart_uploads": 0, "resumable_done": 0, "unauthorized": 0, "flaky_503": 0,
                      "max_chunk": 0}

    def next_generation(self):
        self.generation += 1
        return self.generation


def gerror(code, message, reason):
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}]}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "UploadServer"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    @property
    def store(self):
        return self.server.store

    def base(self):
        return "http://%s" % self.headers.get("Host", "127.0.0.1:%d" % self.server.server_address[1])

    # ---- plumbing ----
    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body=b"", ctype="application/json; charset=UTF-8", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body or status not in (204, 308):
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def err(self, code, message, reason, headers=None):
        self.reply(code, gerror(code, message, reason), headers=headers)

    def dispatch(self, method):
        try:
            self.route(method)
        except (ConnectionError, BrokenPipeError):
            pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # ---- OAuth ----
    def token(self):
        form = urllib.parse.parse_qs(self.body().decode(errors="replace"))
        st = self.store
        grant = form.get("grant_type", [""])[0]
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.reply(400, {"error": "unsupported_grant_type",
                                    "error_description": "Invalid grant_type: %s" % grant})

        def refuse(desc):
            with st.lock:
                st.stats["token_refusals"] += 1
            return self.reply(400, {"error": "invalid_grant", "error_description": desc})
        parts = form.get("assertion", [""])[0].split(".")
        if len(parts) != 3:
            return refuse("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except ValueError:
            return refuse("Invalid JWT: could not be decoded")
        if header.get("alg") != "RS256":
            return refuse("Invalid JWT: the algorithm must be RS256")
        acct = st.accounts.get(claims.get("iss"))
        if acct is None:
            return refuse("Invalid grant: account not found")
        try:
            acct["key"].verify(sig, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return refuse("Invalid JWT Signature.")
        now = time.time()
        own = self.base() + self.path.split("?")[0]
        if claims.get("aud") not in GOOGLE_AUDS | {own}:
            return refuse("Invalid JWT: Failed audience check.")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)) or \
                iat > now + 300 or exp < now - 300 or exp - iat > 3600 or exp <= iat:
            return refuse("Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                          "reasonable timeframe. Check your iat and exp values in the JWT claim.")
        scopes = set(str(claims.get("scope", "")).split())
        if not scopes & SCOPES_RO:
            return self.reply(400, {"error": "invalid_scope",
                                    "error_description": "Invalid OAuth scope or ID token audience provided."})
        tok = "ya29.standin-" + secrets.token_urlsafe(48)
        read_only = acct["read_only"] or not scopes & SCOPES_RW
        with st.lock:
            st.tokens[tok] = (claims["iss"], now + st.token_ttl, read_only)
            st.stats["tokens"] += 1
            if st.token_log:
                with open(st.token_log, "a") as f:
                    f.write(tok + "\n")
        self.reply(200, {"access_token": tok, "expires_in": st.token_ttl, "token_type": "Bearer"})

    def caller(self, perm, what):
        """(email, read_only) of a valid bearer token, or None after answering 401/403."""
        st = self.store
        auth = self.headers.get("Authorization", "")
        with st.lock:
            rec = st.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            if rec is not None and rec[1] < time.time():
                rec = None
        if rec is None:
            with st.lock:
                st.stats["unauthorized"] += 1
            hdr = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
            if not auth:
                self.err(401, "Anonymous caller does not have %s access to the Google Cloud Storage %s. "
                         "Permission '%s' denied on resource (or it may not exist)." % (perm, what, perm),
                         "required", hdr)
            else:
                self.err(401, "Invalid Credentials", "authError", hdr)
            return None
        if rec[2] and perm not in ("storage.objects.get", "storage.objects.list"):
            self.err(403, "%s does not have %s access to the Google Cloud Storage %s. Permission '%s' "
                     "denied on resource (or it may not exist)." % (rec[0], perm, what, perm), "forbidden")
            return None
        return rec

    # ---- routing ----
    def route(self, method):
        st = self.store
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        path = u.path
        if method == "GET" and path == "/_standin/stats":
            with st.lock:
                s = dict(st.stats, open_sessions=sum(1 for x in st.sessions.values() if not x["done"]))
            return self.reply(200, s)
        if method == "POST" and path in ("/token", "/oauth2/v4/token"):
            return self.token()
        if st.flaky:
            with st.lock:
                st.requests += 1
                fail = st.requests % st.flaky == 0
                if fail:
                    st.stats["flaky_503"] += 1
            if fail:
                self.body()
                return self.err(503, "We encountered an internal error. Please try again.", "backendError")
        m = re.fullmatch(r"/(upload/|download/)?storage/v1/b/([^/]+)/o(?:/(.+))?", path)
        if not m:
            self.body()
            return self.err(404, "Not Found", "notFound")
        kind, bucket, name = m.group(1), urllib.parse.unquote(m.group(2)), m.group(3)
        name = urllib.parse.unquote(name) if name is not None else None
        if kind == "upload/":
            if method == "POST" and name is None:
                return self.upload_start(bucket, q)
            if method in ("PUT", "POST") and "upload_id" in q:
                return self.upload_put(q["upload_id"])
            if method == "DELETE" and "upload_id" in q:
                return self.upload_cancel(q["upload_id"])
            self.body()
            return self.err(400, "Invalid upload request", "invalid")
        self.body()
        perm = {"GET": "storage.objects.get" if name else "storage.objects.list",
                "DELETE": "storage.objects.delete"}.get(method)
        if perm is None or (name is None and method != "GET"):
            return self.err(405, "Method not allowed", "methodNotAllowed")
        if self.caller(perm, "object" if name else "bucket") is None:
            return
        with st.lock:
            objs = st.buckets.get(bucket)
        if objs is None:
            return self.err(404, "The specified bucket does not exist.", "notFound")
        if name is None:
            return self.list(bucket, objs, q)
        with st.lock:
            o = objs.get(name)
        if o is None or ("generation" in q and str(o.generation) != q["generation"]):
            return self.err(404, "No such object: %s/%s" % (bucket, name), "notFound")
        if method == "DELETE":
            with st.lock:
                if objs.get(name) is o:
                    del objs[name]
            return self.reply(204)
        if q.get("alt") == "media" or kind == "download/":
            return self.media(o)
        self.reply(200, o.resource(self.base()))

    def list(self, bucket, objs, q):
        st = self.store
        prefix = q.get("prefix", "")
        try:
            size = min(int(q.get("maxResults", st.page_size)), st.page_size)
        except ValueError:
            return self.err(400, "Invalid value for maxResults", "invalid")
        after = ""
        if q.get("pageToken"):
            try:
                after = b64url_decode(q["pageToken"]).decode()
            except ValueError:
                return self.err(400, "Invalid page token", "invalid")
        with st.lock:
            names = sorted(n for n in objs if n.startswith(prefix) and n > after)
            page = [objs[n] for n in names[:size]]
            st.stats["list_pages"] += 1
        out = {"kind": "storage#objects"}
        if page:
            out["items"] = [o.resource(self.base()) for o in page]
        if len(names) > size:
            out["nextPageToken"] = base64.urlsafe_b64encode(page[-1].name.encode()).decode().rstrip("=")
        self.reply(200, out)

    def media(self, o):
        n = len(o.data)
        hdrs = {"x-goog-generation": str(o.generation), "x-goog-metageneration": "1",
                "x-goog-stored-content-length": str(n), "x-goog-storage-class": "STANDARD",
                "ETag": '"%s"' % o.md5, "Accept-Ranges": "bytes"}
        rng = self.headers.get("Range")
        if not rng:
            hdrs["x-goog-hash"] = ",".join((["crc32c=" + o.crc] if o.crc else []) + ["md5=" + o.md5])
            return self.reply(200, o.data, o.content_type, hdrs)
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
        if not m or (m.group(1) == "" and m.group(2) == ""):
            return self.reply(200, o.data, o.content_type, hdrs)
        if m.group(1) == "":
            start, end = max(0, n - int(m.group(2))), n - 1
        else:
            start = int(m.group(1))
            end = min(int(m.group(2)), n - 1) if m.group(2) else n - 1
        with self.store.lock:
            self.store.stats["ranged_gets"] += 1
        if start >= n:
            return self.reply(416, gerror(416, "The requested range cannot be satisfied.", "requestedRangeNotSatisfiable"),
                              headers={"Content-Range": "bytes */%d" % n})
        hdrs["Content-Range"] = "bytes %d-%d/%d" % (start, end, n)
        self.reply(206, o.data[start:end + 1], o.content_type, hdrs)

    # ---- uploads ----
    def store_object(self, bucket, name, data, ctype, goog_hash=None):
        """Stores an object (atomically replacing one of the same name) and
        answers its resource; None after answering an error."""
        if goog_hash:
            for part in goog_hash.split(","):
                k, _, v = part.strip().partition("=")
                if k == "md5" and v != base64.b64encode(hashlib.md5(data).digest()).decode():
                    self.err(400, "Provided MD5 hash \"%s\" doesn't match calculated MD5 hash." % v, "invalid")
                    return None
        st = self.store
        with st.lock:
            objs = st.buckets.get(bucket)
            if objs is None:
                self.err(404, "The specified bucket does not exist.", "notFound")
                return None
            o = Obj(bucket, name, data, st.next_generation(), ctype)
            objs[name] = o
        return o.resource(self.base())

    def upload_start(self, bucket, q):
        st = self.store
        body = self.body()
        if self.caller("storage.objects.create", "object") is None:
            return
        with st.lock:
            if bucket not in st.buckets:
                return self.err(404, "The specified bucket does not exist.", "notFound")
        ut = q.get("uploadType", "")
        ctype = self.headers.get("Content-Type", "")
        if ut == "media":
            if not q.get("name"):
                return self.err(400, "Required parameter: name", "required")
            r = self.store_object(bucket, q["name"], body, ctype, self.headers.get("X-Goog-Hash"))
            if r is not None:
                with st.lock:
                    st.stats["simple_uploads"] += 1
                self.reply(200, r)
            return
        if ut == "multipart":
            m = re.search(r'boundary="?([^";]+)"?', ctype)
            if not ctype.startswith("multipart/related") or not m:
                return self.err(400, "Invalid multipart request", "invalid")
            parts = body.split(b"--" + m.group(1).encode())
            if len(parts) < 4:
                return self.err(400, "Invalid multipart request: want metadata and media", "invalid")

            def split(p):
                h, _, b = p.lstrip(b"\r\n").partition(b"\r\n\r\n")
                return h.decode(errors="replace"), b[:-2] if b.endswith(b"\r\n") else b
            _, meta = split(parts[1])
            mh, data = split(parts[2])
            try:
                meta = json.loads(meta or b"{}")
            except ValueError:
                return self.err(400, "Metadata part is not JSON", "parseError")
            name = meta.get("name") or q.get("name")
            if not name:
                return self.err(400, "Required parameter: name", "required")
            mct = re.search(r"(?im)^content-type:\s*(\S+)", mh)
            r = self.store_object(bucket, name, data, meta.get("contentType") or (mct.group(1) if mct else None),
                            self.headers.get("X-Goog-Hash"))
            if r is not None:
                with st.lock:
                    st.stats["multipart_uploads"] += 1
                self.reply(200, r)
            return
        if ut == "resumable":
            try:
                meta = json.loads(body or b"{}")
            except ValueError:
                return self.err(400, "Metadata is not JSON", "parseError")
            name = q.get("name") or meta.get("name")
            if not name:
                return self.err(400, "Required parameter: name", "required")
            uid = "ADPycd" + secrets.token_urlsafe(32)
            with st.lock:
                st.sessions[uid] = {"bucket": bucket, "name": name, "data": bytearray(), "done": None,
                                    "ctype": meta.get("contentType") or self.headers.get("X-Upload-Content-Type")}
                st.stats["sessions"] += 1
            loc = "%s/upload/storage/v1/b/%s/o?uploadType=resumable&name=%s&upload_id=%s" % (
                self.base(), urllib.parse.quote(bucket, safe=""), urllib.parse.quote(name, safe=""), uid)
            return self.reply(200, b"", headers={"Location": loc, "X-GUploader-UploadID": uid})
        self.err(400, "Invalid upload type: %s" % ut, "invalidParameter")

    def upload_put(self, uid):
        st = self.store
        body = self.body()
        if self.caller("storage.objects.create", "object") is None:
            return
        with st.lock:
            s = st.sessions.get(uid)
        if s is None:
            return self.err(404, "No such upload session (it was cancelled or never created)", "notFound")
        if s["done"] is not None:
            return self.reply(200, s["done"])
        have = len(s["data"])
        persisted = {"Range": "bytes=0-%d" % (have - 1)} if have else {}
        cr = self.headers.get("Content-Range", "")
        m = re.fullmatch(r"bytes (?:(\d+)-(\d+|\*)|\*)/(\d+|\*)", cr.strip())
        if not m:
            return self.err(400, "Failed to parse Content-Range header.", "invalid")
        first, last, total = m.group(1), m.group(2), m.group(3)
        total = None if total == "*" else int(total)
        if first is None:  # a status query, or the end with nothing more to send
            if body:
                return self.err(400, "A status query carries no body.", "invalid")
            if total is not None and total == have:
                return self.complete(uid, s)
            if total is not None:
                return self.err(400, "Invalid request. The total size %d is not what was uploaded (%d)."
                                % (total, have), "invalid")
            return self.reply(308, b"", headers=persisted)
        first = int(first)
        if last == "*":
            end = first + len(body)
            final = True
            if total is not None and end != total:
                return self.err(400, "Invalid request. The upload ends at %d, not at the total size %d."
                                % (end, total), "invalid")
        else:
            end = int(last) + 1
            if end - first != len(body):
                return self.err(400, "Invalid request. Content-Range says %d bytes, the body has %d."
                                % (end - first, len(body)), "invalid")
            final = total is not None and end == total
            if total is not None and end > total:
                return self.err(400, "Invalid request. The range ends past the total size.", "invalid")
        if first > have:
            return self.err(400, "Invalid request. There were %d byte(s) in the upload, but the "
                            "Content-Range starts at byte %d." % (have, first), "invalid")
        if not final and len(body) % QUANTUM:
            return self.err(400, "Invalid request. The number of bytes uploaded is required to be equal or "
                            "greater than 262144, except for the final request (it's recommended to be the "
                            "exact multiple of 262144). The received request contained %d bytes, which does "
                            "not meet this requirement." % len(body), "invalid")
        with st.lock:
            if len(s["data"]) == first:
                s["data"] += body
            elif first + len(body) > len(s["data"]):  # overlap: keep what is new
                s["data"] += body[len(s["data"]) - first:]
            st.stats["chunks"] += 1
            st.stats["max_chunk"] = max(st.stats["max_chunk"], len(body))
            have = len(s["data"])
        if final:
            return self.complete(uid, s, self.headers.get("X-Goog-Hash"))
        self.reply(308, b"", headers={"Range": "bytes=0-%d" % (have - 1)})

    def complete(self, uid, s, goog_hash=None):
        st = self.store
        r = self.store_object(s["bucket"], s["name"], bytes(s["data"]), s["ctype"], goog_hash)
        if r is None:
            return
        with st.lock:
            s["done"] = r
            s["data"] = bytearray()
            st.stats["resumable_done"] += 1
        self.reply(200, r)

    def upload_cancel(self, uid):
        st = self.store
        self.body()
        if self.caller("storage.objects.delete", "object") is None:
            return
        with st.lock:
            s = st.sessions.pop(uid, None)
            if s is not None and s["done"] is None:
                st.stats["sessions_cancelled"] += 1
        if s is None:
            return self.err(404, "No such upload session", "notFound")
        self.reply(499, b"")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # clients open many connections at once

    def __init__(self, addr, store):
        super().__init__(addr, Handler)
        self.store = store

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--port-file")
    a = ap.parse_args()
    cfg = json.load(open(a.config))
    srv = Server((cfg.get("listen", "127.0.0.1"), int(cfg.get("port", 0))), Store(cfg))
    port = str(srv.server_address[1])
    pf = a.port_file or cfg.get("port_file")
    if pf:
        with open(pf + ".tmp", "w") as f:
            f.write(port)
        os.rename(pf + ".tmp", pf)
    else:
        print(port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
