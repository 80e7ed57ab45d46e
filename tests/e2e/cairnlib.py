"""cairnlib — start real cairn processes on free loopback ports and talk to them.

Every test that needs a cluster builds one with Cluster(); processes are
stopped (and their logs kept under the test's work directory) when the
test ends. Nothing here fakes a server: zero and alpha are the real binary.
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CAIRN = os.environ.get("CAIRN_BIN", "cairn")
PLUGIN_DIR = os.environ.get("CAIRN_PLUGIN_DIR", "")
SOURCE_DIR = os.environ.get("CAIRN_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SANITIZE = os.environ.get("CAIRN_SANITIZE", "0") in ("1", "ON", "TRUE", "true")
LOG_ROOT = os.path.join(os.environ.get("CAIRN_BUILD_DIR", tempfile.gettempdir()), "test-logs")
# The environment for a process run as nobody: in a coverage build
# (CAIRN_COVERAGE) it writes its counts under a directory of its own rather
# than failing to open the build tree's, and saying so on stderr.
# (The directory is made by the nobody process itself, in /tmp.)
NOBODY_ENV = dict(os.environ, GCOV_PREFIX=os.path.join(tempfile.gettempdir(), "cairn-gcov-nobody"))


def expect(cond, msg=None):
    """The tests' assertion: unlike `assert`, it still checks under python -O
    (PYTHONOPTIMIZE), so a test can never pass by having its checks removed."""
    if not cond:
        raise AssertionError(msg if msg is not None else "expectation failed")


_check = expect  # for methods whose `expect` parameter is the expected status


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# https servers started with a TLS argument: address -> ssl context with their CA.
_TLS_CONTEXTS = {}


def http(method, url, body=None, headers=None, timeout=120, context=None):
    """Returns (status, body bytes). Never raises for HTTP error statuses.
    An https URL of a server started here is checked against its CA."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if context is None and url.startswith("https://"):
        context = _TLS_CONTEXTS.get(urllib.parse.urlsplit(url).netloc)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def workdir(name):
    """A fresh directory for one test, kept after the run for inspection."""
    os.makedirs(LOG_ROOT, exist_ok=True)
    d = tempfile.mkdtemp(prefix=name + "-", dir=LOG_ROOT)
    return d


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_clean(text, what):
    """A sanitizer report anywhere in a process's output fails the test."""
    for mark in SANITIZER_MARKS:
        if mark in text:
            raise AssertionError("%s: sanitizer report:\n%s" % (what, text[-6000:]))


def run(args, check=False, env=None, timeout=600):
    """Runs `cairn args...`; returns CompletedProcess with text output."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([CAIRN] + args, capture_output=True, text=True, env=e, timeout=timeout)
    with open(os.path.join(LOG_ROOT, "cli.log"), "a") as f:
        f.write("$ cairn %s\n%s%s\n" % (" ".join(args), p.stdout, p.stderr))
    sanitizer_clean(p.stdout + p.stderr, "cairn " + " ".join(args))
    if check and p.returncode != 0:
        raise AssertionError("cairn %s failed (%d):\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


_LIVE = []


def _stop_all():
    """A failing test must not leave servers behind for the next one."""
    for p in _LIVE:
        if p.poll() is None:
            p.kill()
            p.wait()


import atexit  # noqa: E402
atexit.register(_stop_all)


class Proc:
    def __init__(self, name, args, wd, env=None):
        self.name = name
        self.args = args
        self.log_path = os.path.join(wd, name + ".log")
        self.log = open(self.log_path, "ab")
        e = dict(os.environ)
        if env:
            e.update(env)
        self.p = subprocess.Popen([CAIRN] + args, stdout=self.log, stderr=subprocess.STDOUT, env=e)
        _LIVE.append(self.p)

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Stops the process. A graceful stop must exit 0 (under the
        sanitizers that also means no leak), and no output may hold a
        sanitizer report."""
        graceful = self.p.poll() is None and sig in (signal.SIGTERM, signal.SIGINT)
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise AssertionError("%s did not stop within %ds of signal %d" % (self.name, timeout, sig))
        self.log.close()
        sanitizer_clean(self.output(), self.name)
        if graceful and self.p.returncode != 0:
            raise AssertionError("%s exited %d on SIGTERM:\n%s" % (self.name, self.p.returncode, self.output()[-4000:]))
        return self.p.returncode

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


def wait_http(url, proc=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and not proc.alive():
            raise AssertionError("%s exited early:\n%s" % (proc.name, proc.output()))
        try:
            st, _ = http("GET", url, timeout=2)
            if st == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("%s did not come up" % url)


class TLS:
    """A throw-away CA and one certificate (and key) for 127.0.0.1 signed by
    it, made with the openssl command line. flags() are a member's."""

    def __init__(self, wd, name="tls", san="IP:127.0.0.1"):
        self.dir = os.path.join(wd, name)
        os.makedirs(self.dir, exist_ok=True)
        self.ca, self.ca_key = os.path.join(self.dir, "ca.crt"), os.path.join(self.dir, "ca.key")
        self.cert, self.key = os.path.join(self.dir, "node.crt"), os.path.join(self.dir, "node.key")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        self._openssl(["req", "-x509"] + ec + ["-keyout", self.ca_key, "-out", self.ca, "-days", "2",
                      "-subj", "/CN=cairn test CA " + name])
        csr, ext = os.path.join(self.dir, "node.csr"), os.path.join(self.dir, "ext.cnf")
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n" % san)
        self._openssl(["req"] + ec + ["-keyout", self.key, "-out", csr, "-subj", "/CN=cairn node"])
        self._openssl(["x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
                       "-out", self.cert, "-days", "2", "-extfile", ext])

    @staticmethod
    def _openssl(args):
        p = subprocess.run(["openssl"] + args, capture_output=True, text=True, timeout=60)
        expect(p.returncode == 0, "openssl %s: %s" % (" ".join(args), p.stderr))

    def flags(self):
        return ["--tls_cert", self.cert, "--tls_key", self.key, "--tls_ca", self.ca]

    def context(self):
        return ssl.create_default_context(cafile=self.ca)


def _serve_tls(addr, tls):
    """The scheme for a server at addr; its CA is remembered for http()."""
    if not tls:
        return "http"
    _TLS_CONTEXTS[addr] = tls.context()
    return "https"


def cluster_secret(wd, name="cluster.secret", secret=None):
    """A --cluster_secret_file (mode 600) with a fresh secret, registered for
    the suite's secrets scan. Returns its path."""
    import secrets as _secrets
    secret = secret or "cs-" + _secrets.token_hex(16)
    note_secret(secret)
    path = os.path.join(wd, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return path


def _flag_value(args, name):
    """The value of --name in an argument list, or None."""
    for i, a in enumerate(args or []):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    return None


class Zero:
    def __init__(self, wd, wal=None, port=None, extra=None, tls=None, secret=None, host="127.0.0.1"):
        """tls: a TLS(); secret: a --cluster_secret_file path (cluster_secret());
        extra's --auth_token is sent with admin calls."""
        self.port = port or free_port()
        self.addr = "%s:%d" % (host, self.port)
        self.url = _serve_tls(self.addr, tls) + "://" + self.addr
        self.wal = wal or os.path.join(wd, "zw")
        self.token = _flag_value(extra, "--auth_token")
        if self.token:
            note_secret(self.token)
        extra = (tls.flags() if tls else []) + list(extra or []) + (["--cluster_secret_file", secret] if secret else [])
        self.proc = Proc("zero-%d" % self.port, ["zero", "--http", self.addr, "-w", self.wal] + extra, wd)
        wait_http(self.url + "/health", self.proc)

    def get(self, path):
        st, body = http("GET", self.url + path, headers=self.headers())
        expect(st == 200, (path, st, body))
        return json.loads(body)

    def headers(self):
        return {"X-Cairn-AuthToken": self.token} if self.token else {}

    def state(self):
        return self.get("/state")

    def assign(self, what, num):
        return self.get("/assign?what=%s&num=%d" % (what, num))

    def stop(self, sig=signal.SIGTERM):
        return self.proc.stop(sig)


class Alpha:
    def __init__(self, wd, zero, postings=None, port=None, extra=None, env=None, name=None, tls=None,
                 secret=None, host="127.0.0.1"):
        """tls: a TLS(); secret: a --cluster_secret_file path (cluster_secret());
        extra's --auth_token is sent with admin calls (alter, export, admin)."""
        self.port = port or free_port()
        self.addr = "%s:%d" % (host, self.port)
        self.url = _serve_tls(self.addr, tls) + "://" + self.addr
        self.postings = postings or os.path.join(wd, "p")
        self.token = _flag_value(extra, "--auth_token")
        if self.token:
            note_secret(self.token)
        extra = (tls.flags() if tls else []) + list(extra or []) + (["--cluster_secret_file", secret] if secret else [])
        args = ["alpha", "--http", self.addr, "-p", self.postings, "-z", zero.addr]
        if PLUGIN_DIR:
            args += ["--plugin_dir", PLUGIN_DIR]
        self.proc = Proc(name or "alpha-%d" % self.port, args + (extra or []), wd, env)
        wait_http(self.url + "/health", self.proc)

    def mutate(self, body, expect=200):
        st, out = http("POST", self.url + "/mutate?commitNow=true", body, {"Content-Type": "application/rdf"})
        _check(st == expect, (st, out[:2000]))
        return json.loads(out)

    def headers(self, more=None):
        h = {"X-Cairn-AuthToken": self.token} if self.token else {}
        h.update(more or {})
        return h

    def alter(self, obj, expect=200):
        st, out = http("POST", self.url + "/alter", json.dumps(obj), self.headers({"Content-Type": "application/json"}))
        _check(st == expect, (st, out))
        return json.loads(out)

    def export(self, read_ts=None):
        q = "/export?format=rdf" + ("&read_ts=%d" % read_ts if read_ts else "")
        st, out = http("GET", self.url + q, headers=self.headers(), timeout=300)
        expect(st == 200, (st, out[:2000]))
        # Streamed in the store's key order: sorted here as Model.export_text sorts.
        return b"".join(sorted(out.splitlines(keepends=True))).decode()

    def admin(self, query, variables=None, headers=None):
        h = self.headers({"Content-Type": "application/json"})
        h.update(headers or {})
        st, out = http("POST", self.url + "/admin", json.dumps({"query": query, "variables": variables or {}}), h, timeout=900)
        return st, json.loads(out)

    def backup(self, destination, force_full=False, **creds):
        """Runs the backup mutation; returns the parsed GraphQL response."""
        inp = {"destination": destination, "forceFull": force_full}
        inp.update(creds)
        st, out = self.admin("mutation($in: BackupInput!) { backup(input: $in) { response { message code } taskId } }", {"in": inp})
        expect(st == 200, (st, out))
        return out

    def backup_ok(self, destination, force_full=False, **creds):
        out = self.backup(destination, force_full, **creds)
        expect("errors" not in out, out)
        expect(out["data"]["backup"]["response"] == {"message": "Backup completed.", "code": "Success"}, out)
        return out["data"]["backup"]["taskId"]

    def stop(self, sig=signal.SIGTERM):
        return self.proc.stop(sig)


# N-Quad object text exactly as cairn writes it (cairn_rdf_object_text).
def lit(value, lang=None, typ=None):
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    s = "".join(out)
    if lang:
        s += "@" + lang
    elif typ:
        s += "^^<%s>" % typ
    return s


def uid(n):
    return "<0x%x>" % n


class Model:
    """The expected store: a set of (subject, predicate, object-text) per commit."""

    def __init__(self):
        self.log = []  # (ts, kind, payload)

    def record_mutation(self, ts, sets, dels):
        self.log.append((ts, "m", (list(sets), list(dels))))

    def record_drop(self, ts, pred):
        self.log.append((ts, "d", pred))

    def state_at(self, ts):
        sp = {}  # (subject, predicate) -> set of objects
        for t, kind, payload in sorted(self.log, key=lambda x: x[0]):
            if t > ts:
                break
            if kind == "d":
                if payload is None:
                    sp = {}
                else:
                    sp = {k: v for k, v in sp.items() if k[1] != payload}
                continue
            sets, dels = payload
            for s, p, o in dels:
                if o == "*":
                    sp.pop((s, p), None)
                elif (s, p) in sp:
                    sp[(s, p)].discard(o)
            for s, p, o in sets:
                sp.setdefault((s, p), set()).add(o)
        return {(s, p, o) for (s, p), objs in sp.items() for o in objs}

    @staticmethod
    def export_text(state):
        lines = ["<0x%x> <%s> %s .\n" % (s, p, o) for s, p, o in state]
        lines.sort(key=lambda l: l.encode())
        return "".join(lines)


def nquads(triples):
    return "".join("%s <%s> %s .\n" % (uid(s) if isinstance(s, int) else s, p, o) for s, p, o in triples)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def lsbackup(location, env=None):
    p = run(["lsbackup", "-l", location, "--json"] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []), env=env)
    expect(p.returncode == 0, p.stderr)
    return json.loads(p.stdout)


def restore(args, env=None):
    return run(["restore"] + args + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []), env=env)


def load_sample(alpha, model, n_people=2000, seed=1):
    """A small social graph through blank nodes; returns the uids."""
    import random
    rng = random.Random(seed)
    lines, names = [], []
    for i in range(n_people):
        names.append("p%d" % i)
        lines.append('_:p%d <name> %s .' % (i, lit("Person %d" % i)))
        lines.append('_:p%d <age> %s .' % (i, lit(str(18 + i % 60), typ="xs:int")))
        if i:
            lines.append('_:p%d <friend> _:p%d .' % (i, rng.randrange(i)))
        if i % 5 == 0:
            lines.append('_:p%d <bio> %s .' % (i, lit("likes \"quotes\" and\nnewlines %d" % i, lang="en")))
    r = alpha.mutate("{ set {\n%s\n} }" % "\n".join(lines))
    uids = {k: int(v, 16) for k, v in r["data"]["uids"].items()}
    triples = []
    for line in lines:
        parts = line.split(" ", 2)
        s = uids[parts[0][2:]]
        p = parts[1][1:-1]
        o = parts[2][:-2]
        if o.startswith("_:"):
            o = "<0x%x>" % uids[o[2:]]
        triples.append((s, p, o))
    model.record_mutation(r["extensions"]["txn"]["commit_ts"], triples, [])
    return [uids[n] for n in names]


def note_secret(secret):
    """Registers a secret the suite's final check must not find in any log."""
    if isinstance(secret, str):
        secret = secret.encode()
    os.makedirs(LOG_ROOT, exist_ok=True)
    with open(os.path.join(LOG_ROOT, "secrets.hex"), "a") as f:
        f.write(secret.hex() + "\n")


class VaultStandIn:
    """tests/servers/vault_standin.py on a free loopback port."""

    def __init__(self, wd, cfg, name="vault"):
        cfgfile = os.path.join(wd, name + ".json")
        self.portfile = os.path.join(wd, name + ".port")
        with open(cfgfile, "w") as f:
            json.dump(cfg, f)
        self.log = open(os.path.join(wd, name + "-standin.out"), "wb")
        self.p = subprocess.Popen([sys.executable, os.path.join(SOURCE_DIR, "tests", "servers", "vault_standin.py"),
                                   cfgfile, "--port-file", self.portfile], stdout=self.log, stderr=subprocess.STDOUT)
        _LIVE.append(self.p)
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(self.portfile) and open(self.portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(self.portfile).read().strip())
        self.addr = "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.log.close()


class VaultRole:
    def __init__(self, wd, name="cairn", policies=("cairn",)):
        import uuid
        self.role_id, self.secret_id = str(uuid.uuid4()), str(uuid.uuid4())
        note_secret(self.role_id)
        note_secret(self.secret_id)
        self.roleid_file = os.path.join(wd, name + ".role-id")
        self.secretid_file = os.path.join(wd, name + ".secret-id")
        open(self.roleid_file, "w").write(self.role_id + "\n")
        open(self.secretid_file, "w").write(self.secret_id + "\n")
        self.cfg = {"role_id": self.role_id, "secret_id": self.secret_id,
                    "token_policies": list(policies), "token_ttl": 600}

    def flags(self, addr, path=None):
        f = ["--vault_addr", addr, "--vault_roleid_file", self.roleid_file, "--vault_secretid_file", self.secretid_file]
        return f + (["--vault_path", path] if path else [])


def license_keys(wd, name="vendor"):
    """A throw-away Ed25519 key pair made with openssl: (private, public) PEM
    paths. The private key is a secret no log may hold."""
    key, pub = os.path.join(wd, name + ".key"), os.path.join(wd, name + ".pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    note_secret("".join(open(key).read().split("\n")[1:-2]))
    return key, pub


def sign_license(wd, key, user, expiry, max_nodes=None, name=None):
    """`cairn license`; the license file's path."""
    out = os.path.join(wd, (name or "license-%s" % user.replace(" ", "_")) + ".json")
    args = ["license", "--key", key, "--user", user, "--expiry", expiry, "--out", out]
    run(args + (["--max_nodes", str(max_nodes)] if max_nodes is not None else []), check=True)
    return out
