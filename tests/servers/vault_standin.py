#!/usr/bin/env python3
"""vault_standin.py -- a small HashiCorp Vault stand-in for cairn's tests.

No Vault binary can be installed where cairn is tested, so this answers the
part of Vault's HTTP API that cairn's keys-vault plugin uses, shaped the way
Vault's API documentation describes it:

  POST /v1/auth/approle/login          AppRole login -> auth.client_token
  GET  /v1/<kv2 mount>/data/<path>     KV v2 read    -> data.data + data.metadata
  GET  /v1/<kv1 mount>/<path>          KV v1 read    -> data
  GET  /v1/<kv2 mount>/<path>          404 + warnings (a v1-style path on a v2 mount)
  GET  /v1/auth/token/lookup-self      the calling token's ttl and policies
  GET  /v1/sys/health                  200, or 503 when sealed

Errors come back as Vault sends them: {"errors":[...]} with 400 ("invalid role
or secret ID"), 403 ("permission denied"; plus "invalid token" for an expired
or unknown token), 404 ({"errors":[]} for a missing secret), 503 ("Vault is
sealed"). Tokens carry their role's policies (Vault's JSON policy syntax:
"path" -> {"<glob>": {"capabilities": [...]}}) and expire after the role's
token_ttl. X-Vault-Namespace selects a namespace: roles, mounts, policies and
secrets live in one namespace each, and a token works only in its own.

Usage: vault_standin.py CONFIG.json [--port-file FILE]

The configuration (all keys optional):
  {
    "listen": "127.0.0.1", "port": 0,          # 0: any free port
    "port_file": "/path",                      # or --port-file; else stdout
    "tls": {"cert": "server.pem", "key": "server.key"},
    "sealed": false,
    "login_delay": 0,          # seconds the login answer is held back after
                               # the token is issued (a slow network: lets a
                               # test see a token expire before it is used)
    "token_log": "/path",      # test-only: every issued token, one a line
    "overrides": {"/v1/some/path": {"status": 200, "body": "...",
                                    "content_type": "text/html"}},
                               # a misbehaving proxy in front of Vault
    "namespaces": {"": {...}, "ns1": {...}}
  }
Each namespace (the root one may also be given at the top level):
  "mounts":   {"secret": {"type": "kv", "version": 2}, "kv": 1}
  "roles":    {"cairn": {"role_id": "...", "secret_id": "..." | [...],
                         "token_policies": ["cairn"], "token_ttl": 3600}}
  "policies": {"cairn": {"path": {"secret/data/cairn": {"capabilities": ["read"]}}}}
  "secrets":  {"secret/cairn": {"enc_key": "..."}}   # mount/path -> fields
"""

import argparse
import datetime
import http.server
import json
import os
import secrets
import ssl
import sys
import threading
import time
import uuid

VERSION = "1.15.6"

V2_WARNING = ("Invalid path for a versioned K/V secrets engine. See the API docs for the "
              "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' "
              "for this operation.")


def _now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Namespace:
    """One Vault namespace: its mounts, AppRoles, policies and KV data."""

    def __init__(self, name, cfg):
        self.name = name
        self.mounts = {}
        for path, m in cfg.get("mounts", {}).items():
            if isinstance(m, int):
                m = {"type": "kv", "version": m}
            self.mounts[path.strip("/")] = {"type": m.get("type", "kv"),
                                            "version": int(m.get("version", 1))}
        self.roles = cfg.get("roles", {})
        self.policies = cfg.get("policies", {})
        created = _now_rfc3339()
        self.secrets = {}
        for path, fields in cfg.get("secrets", {}).items():
            self.secrets[path.strip("/")] = {"data": fields, "created_time": created,
                                             "version": 1}

    def mount_for(self, path):
        """The longest mount that is a prefix of path, and the rest of the path."""
        best = None
        for m in self.mounts:
            if path == m or path.startswith(m + "/"):
                if best is None or len(m) > len(best):
                    best = m
        if best is None:
            return None, None
        return best, path[len(best) + 1:]

    def role_by_id(self, role_id):
        for name, role in self.roles.items():
            if role.get("role_id") == role_id:
                return name, role
        return None, None


def _glob_match(pattern, path):
    """Vault's policy path matching: a trailing '*' is a prefix match, '+'
    stands for exactly one path segment."""
    prefix = pattern.endswith("*")
    if prefix:
        pattern = pattern[:-1]
    if "+" not in pattern:
        return path.startswith(pattern) if prefix else path == pattern
    pp, sp = pattern.split("/"), path.split("/")
    if prefix:
        if len(sp) < len(pp):
            return False
        head = sp[:len(pp) - 1]
        last_ok = sp[len(pp) - 1].startswith(pp[-1]) if pp[-1] != "+" else True
        return all(a == "+" or a == b for a, b in zip(pp[:-1], head)) and last_ok
    return len(pp) == len(sp) and all(a == "+" or a == b for a, b in zip(pp, sp))


class Vault:
    """The server's state: namespaces, issued tokens, seal status."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.sealed = bool(cfg.get("sealed", False))
        self.login_delay = float(cfg.get("login_delay", 0))
        self.token_log = cfg.get("token_log")
        self.overrides = cfg.get("overrides", {})
        self.lock = threading.Lock()
        self.tokens = {}
        nss = dict(cfg.get("namespaces", {}))
        root = {k: cfg[k] for k in ("mounts", "roles", "policies", "secrets") if k in cfg}
        if root:
            merged = dict(nss.get("", {}))
            merged.update(root)
            nss[""] = merged
        nss.setdefault("", {})
        self.namespaces = {name.strip("/"): Namespace(name.strip("/"), c)
                           for name, c in nss.items()}

    def issue_token(self, ns, role_name, role):
        token = "hvs." + secrets.token_urlsafe(24)
        ttl = int(role.get("token_ttl", 2764800))
        policies = sorted(set(["default"] + list(role.get("token_policies",
                                                          role.get("policies", [])))))
        rec = {"ns": ns.name, "policies": policies, "role": role_name, "ttl": ttl,
               "accessor": secrets.token_urlsafe(18), "issued": time.monotonic()}
        with self.lock:
            self.tokens[token] = rec
        if self.token_log:
            with open(self.token_log, "a") as f:
                f.write(token + "\n")
        return token, rec

    def token(self, token):
        """The live record of token, or None if unknown or expired."""
        with self.lock:
            rec = self.tokens.get(token)
            if rec is None:
                return None
            if rec["ttl"] > 0 and time.monotonic() - rec["issued"] >= rec["ttl"]:
                del self.tokens[token]
                return None
            return rec

    def allowed(self, ns, rec, path, capability):
        """Vault's rule: in each policy the most specific matching path
        applies; the token has the union of those, and "deny" beats all."""
        if "root" in rec["policies"]:
            return True
        caps = set()
        for pname in rec["policies"]:
            pol = ns.policies.get(pname) or {}
            best = None
            for pattern, rule in pol.get("path", {}).items():
                if not _glob_match(pattern, path):
                    continue
                rank = (not pattern.endswith("*"), pattern.count("+") == 0, len(pattern))
                if best is None or rank > best[0]:
                    best = (rank, rule.get("capabilities", []))
            if best:
                caps.update(best[1])
        return "deny" not in caps and capability in caps


def envelope(data=None, auth=None, warnings=None, lease_duration=0, mount_type=None):
    """Vault's success (and warning) response body."""
    body = {
        "request_id": str(uuid.uuid4()),
        "lease_id": "",
        "renewable": False,
        "lease_duration": lease_duration,
        "data": data,
        "wrap_info": None,
        "warnings": warnings,
        "auth": auth,
    }
    if mount_type is not None:
        body["mount_type"] = mount_type
    return body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vault-standin"
    sys_version = ""

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()

    def log_message(self, fmt, *args):
        # The request line holds no secrets: tokens and ids travel in headers
        # and bodies, which are never logged.
        sys.stderr.write("vault-standin: %s\n" % (fmt % args))

    # -- replies -------------------------------------------------------------
    def reply(self, status, body, content_type="application/json"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def errors(self, status, *msgs):
        self.reply(status, {"errors": list(msgs)})

    # -- dispatch ------------------------------------------------------------
    def do_GET(self):
        self.dispatch("read")

    def do_POST(self):
        self.dispatch("update")

    def do_PUT(self):
        self.dispatch("update")

    def do_LIST(self):
        self.dispatch("list")

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return {}
        return json.loads(raw)

    def dispatch(self, op):
        vault = self.server.vault
        path = self.path.split("?", 1)[0]
        if path in vault.overrides:
            o = vault.overrides[path]
            self.body_json_quiet()
            self.reply(int(o.get("status", 200)), o.get("body", "").encode(),
                       o.get("content_type", "application/json"))
            return
        if not path.startswith("/v1/"):
            self.body_json_quiet()
            self.errors(404)
            return
        path = path[len("/v1/"):].strip("/")
        if path == "sys/health":
            return self.health()
        if vault.sealed:
            self.body_json_quiet()
            return self.errors(503, "Vault is sealed")
        ns_name = (self.headers.get("X-Vault-Namespace") or "").strip("/")
        ns = vault.namespaces.get(ns_name)
        if ns is None:
            self.body_json_quiet()
            return self.errors(404, 'no handler for route "%s". route entry not found.' % path)
        if path == "auth/approle/login":
            if op != "update":
                return self.errors(405, "unsupported operation")
            return self.login(ns)
        self.body_json_quiet()
        token = self.headers.get("X-Vault-Token")
        auth = self.headers.get("Authorization", "")
        if not token and auth.startswith("Bearer "):
            token = auth[len("Bearer "):]
        rec = vault.token(token) if token else None
        if token and rec is None:
            return self.errors(403, "permission denied", "invalid token")
        if rec is None:
            return self.errors(403, "permission denied")
        if rec["ns"] != ns.name:
            return self.errors(403, "permission denied")
        if path == "auth/token/lookup-self":
            return self.lookup_self(token, rec)
        if op not in ("read", "list"):
            return self.errors(405, "unsupported operation")
        if not vault.allowed(ns, rec, path, op):
            return self.errors(403, "permission denied")
        self.kv_read(ns, path)

    def body_json_quiet(self):
        try:
            self.body_json()
        except ValueError:
            pass

    # -- endpoints -----------------------------------------------------------
    def health(self):
        vault = self.server.vault
        body = {"initialized": True, "sealed": vault.sealed, "standby": False,
                "performance_standby": False, "replication_performance_mode": "disabled",
                "replication_dr_mode": "disabled", "server_time_utc": int(time.time()),
                "version": VERSION, "cluster_name": "vault-cluster-standin",
                "cluster_id": self.server.cluster_id}
        self.reply(503 if vault.sealed else 200, body)

    def login(self, ns):
        vault = self.server.vault
        try:
            req = self.body_json()
        except ValueError as e:
            return self.errors(400, "failed to parse JSON input: %s" % e)
        if not isinstance(req, dict):
            return self.errors(400, "failed to parse JSON input")
        role_id = req.get("role_id")
        if not role_id:
            return self.errors(400, "missing role_id")
        role_name, role = ns.role_by_id(role_id)
        if role is None:
            return self.errors(400, "invalid role or secret ID")
        want = role.get("secret_id")
        if isinstance(want, str):
            want = [want]
        if role.get("bind_secret_id", True):
            if not req.get("secret_id"):
                return self.errors(400, "missing secret_id")
            if req.get("secret_id") not in (want or []):
                return self.errors(400, "invalid role or secret ID")
        token, rec = vault.issue_token(ns, role_name, role)
        if vault.login_delay > 0:
            time.sleep(vault.login_delay)
        auth = {
            "client_token": token,
            "accessor": rec["accessor"],
            "policies": rec["policies"],
            "token_policies": rec["policies"],
            "metadata": {"role_name": role_name},
            "lease_duration": rec["ttl"],
            "renewable": True,
            "entity_id": str(uuid.uuid4()),
            "token_type": "service",
            "orphan": True,
            "mfa_requirement": None,
            "num_uses": 0,
        }
        self.reply(200, envelope(auth=auth))

    def lookup_self(self, token, rec):
        left = rec["ttl"] - (time.monotonic() - rec["issued"]) if rec["ttl"] > 0 else 0
        data = {"accessor": rec["accessor"], "policies": rec["policies"],
                "ttl": max(0, int(left)), "creation_ttl": rec["ttl"],
                "namespace_path": rec["ns"] + "/" if rec["ns"] else "",
                "meta": {"role_name": rec["role"]}, "type": "service", "orphan": True,
                "path": "auth/approle/login", "renewable": True}
        self.reply(200, envelope(data=data))

    def kv_read(self, ns, path):
        mount, rest = ns.mount_for(path)
        if mount is None:
            return self.errors(404, 'no handler for route "%s". route entry not found.' % path)
        m = ns.mounts[mount]
        if m["version"] == 2:
            if rest.startswith("data/"):
                sec = ns.secrets.get(mount + "/" + rest[len("data/"):])
                if sec is None:
                    return self.errors(404)
                meta = {"created_time": sec["created_time"], "custom_metadata": None,
                        "deletion_time": "", "destroyed": False, "version": sec["version"]}
                return self.reply(200, envelope(data={"data": sec["data"], "metadata": meta},
                                                mount_type="kv"))
            if rest.startswith("metadata/"):
                sec = ns.secrets.get(mount + "/" + rest[len("metadata/"):])
                if sec is None:
                    return self.errors(404)
                v = {"created_time": sec["created_time"], "deletion_time": "",
                     "destroyed": False}
                meta = {"cas_required": False, "created_time": sec["created_time"],
                        "current_version": sec["version"], "custom_metadata": None,
                        "delete_version_after": "0s", "max_versions": 0,
                        "oldest_version": 0, "updated_time": sec["created_time"],
                        "versions": {str(sec["version"]): v}}
                return self.reply(200, envelope(data=meta, mount_type="kv"))
            return self.reply(404, envelope(warnings=[V2_WARNING]))
        sec = ns.secrets.get(path)
        if sec is None:
            return self.errors(404)
        self.reply(200, envelope(data=sec["data"], lease_duration=2764800, mount_type="kv"))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, vault, tls_ctx):
        self.vault = vault
        self.tls_ctx = tls_ctx
        self.cluster_id = str(uuid.uuid4())
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls_ctx is not None:
            # The handshake runs in the request's own thread (Handler.setup),
            # so a client that never finishes it cannot stall accept().
            sock = self.tls_ctx.wrap_socket(sock, server_side=True,
                                            do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        sys.stderr.write("vault-standin: connection from %s: %s\n" % (client_address[0], e))


def main():
    ap = argparse.ArgumentParser(description="A Vault API stand-in for cairn's tests")
    ap.add_argument("config")
    ap.add_argument("--port-file")
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    vault = Vault(cfg)
    tls_ctx = None
    if cfg.get("tls"):
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(cfg["tls"]["cert"], cfg["tls"]["key"])
    srv = Server((cfg.get("listen", "127.0.0.1"), int(cfg.get("port", 0))), vault, tls_ctx)
    port = srv.server_address[1]
    port_file = args.port_file or cfg.get("port_file")
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, port_file)
    else:
        print(port, flush=True)
    sys.stderr.write("vault-standin: listening on %s:%d (%s)%s\n" % (
        srv.server_address[0], port, "https" if tls_ctx else "http",
        ", sealed" if vault.sealed else ""))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
