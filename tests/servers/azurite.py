"""Azurite (Microsoft's Azure Storage emulator, npm `azurite`) for the
storage-azure tests: installed by npm under the build tree (kept there as a
cache), started on a free loopback port with its data in a temporary folder,
always with --disableTelemetry, and without --loose, so it checks Shared Key
signatures and rejects what real Azure rejects. A tiny Shared Key client of
its own (Python's hmac) creates containers and lists blobs, so a test can
check what cairn wrote without trusting cairn's driver."""
import base64
import datetime
import hashlib
import hmac
import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, in Microsoft's docs).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
VERSION = "2021-08-06"


def install(build_dir):
    """npm install azurite under build_dir/npm-azurite; the azurite-blob path.
    Tests run in parallel: one installs under a lock while the others wait,
    and a marker written after a complete install says it is usable."""
    npm_dir = os.path.join(build_dir, "npm-azurite")
    exe = os.path.join(npm_dir, "node_modules", ".bin", "azurite-blob")
    done = os.path.join(npm_dir, "installed.ok")
    os.makedirs(npm_dir, exist_ok=True)
    with open(npm_dir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(done) and os.path.exists(exe):
            return exe
        shutil.rmtree(os.path.join(npm_dir, "node_modules"), ignore_errors=True)
        with open(os.path.join(npm_dir, "package.json"), "w") as f:
            f.write('{"name": "cairn-azurite", "private": true}\n')
        npm = shutil.which("npm")
        if not npm:
            raise RuntimeError("npm is not installed: run scripts/setup.sh (it installs nodejs and npm)")
        p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", npm_dir, "azurite"],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0 or not os.path.exists(exe):
            raise RuntimeError("npm install azurite failed (is the npm registry reachable?):\n%s%s"
                               % (p.stdout[-2000:], p.stderr[-2000:]))
        open(done, "w").close()
    return exe


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Azurite:
    def __init__(self, build_dir=None):
        self.build_dir = build_dir or os.environ["CAIRN_BUILD_DIR"]
        self.proc = None
        self.dir = None
        self.port = None

    def start(self, timeout=60):
        exe = install(self.build_dir)
        self.dir = tempfile.mkdtemp(prefix="cairn-azurite-")
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "azurite.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [exe, "--disableTelemetry", "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
             "--location", os.path.join(self.dir, "data")],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("azurite exited: %s" % open(self.log_path).read()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("azurite did not listen on 127.0.0.1:%d within %d s" % (self.port, timeout))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def uri(self, container, prefix=""):
        return "azure://127.0.0.1:%d/%s/%s%s?secure=false" % (
            self.port, ACCOUNT, container, "/" + prefix if prefix else "")

    def env(self, **extra):
        """An environment with Azurite's account and key and nothing else of Azure's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        env.update(AZURE_STORAGE_ACCOUNT=ACCOUNT, AZURE_STORAGE_KEY=KEY)
        env.update(extra)
        return env

    # A minimal Shared Key client, independent of cairn's.
    def request(self, method, path, query=None, body=b"", headers=None):
        query = query or {}
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
        hdrs = {"x-ms-date": date, "x-ms-version": VERSION}
        hdrs.update(headers or {})
        url_path = "/%s/%s" % (ACCOUNT, urllib.parse.quote(path))
        canon_hdrs = "".join("%s:%s\n" % (k, hdrs[k]) for k in sorted(hdrs) if k.startswith("x-ms-"))
        canon_res = "/%s%s" % (ACCOUNT, url_path) + "".join(
            "\n%s:%s" % (k.lower(), query[k]) for k in sorted(query))
        ctype = "application/octet-stream" if method in ("PUT", "POST") else ""
        sts = "\n".join([method, "", "", str(len(body)) if body else "", "", ctype, "", "", "", "", "",
                         ""]) + "\n" + canon_hdrs + canon_res
        sig = base64.b64encode(hmac.new(base64.b64decode(KEY), sts.encode(), hashlib.sha256).digest())
        if ctype:
            hdrs["Content-Type"] = ctype
        hdrs["Authorization"] = "SharedKey %s:%s" % (ACCOUNT, sig.decode())
        url = "http://127.0.0.1:%d%s" % (self.port, url_path)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None,
                                     method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def create_container(self, name):
        st, body = self.request("PUT", name, {"restype": "container"})
        if st not in (201, 409):
            raise RuntimeError("cannot create container %s: %d %s" % (name, st, body[:500]))

    def blobs(self, container, prefix=""):
        """{name: size} of every committed blob under prefix."""
        out, marker = {}, ""
        while True:
            q = {"restype": "container", "comp": "list"}
            if prefix:
                q["prefix"] = prefix
            if marker:
                q["marker"] = marker
            st, body = self.request("GET", container, q)
            if st != 200:
                raise RuntimeError("cannot list %s: %d %s" % (container, st, body[:500]))
            root = ET.fromstring(body)
            for b in root.iter("Blob"):
                out[b.findtext("Name")] = int(b.find("Properties").findtext("Content-Length"))
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return out

    def get(self, container, name):
        st, body = self.request("GET", "%s/%s" % (container, name))
        if st != 200:
            raise RuntimeError("cannot read %s/%s: %d" % (container, name, st))
        return body


def account_sas(hours=2, permissions="rwdlac"):
    """An account SAS for the blob service (sv 2021-08-06), signed with KEY."""
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    st = (now - datetime.timedelta(minutes=5)).strftime(fmt)
    se = (now + datetime.timedelta(hours=hours)).strftime(fmt)
    fields = [ACCOUNT, permissions, "b", "sco", st, se, "", "http,https", VERSION, "", ""]
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), "\n".join(fields).encode(),
                                    hashlib.sha256).digest()).decode()
    return urllib.parse.urlencode({"sv": VERSION, "ss": "b", "srt": "sco", "sp": permissions,
                                   "st": st, "se": se, "spr": "http,https", "sig": sig})
