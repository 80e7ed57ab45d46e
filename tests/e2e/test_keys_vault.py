#!/usr/bin/env python3
"""The keys-vault plugin against the Vault stand-in (tests/servers/
vault_standin.py), driven through keys_tool the way cairn loads it.

Covers KV v2 and v1 reads, base64 and raw formats, 16/24/32-byte keys,
namespaces, https with a CA made here by the openssl CLI, and every failure
with its own message; then that no role-id, secret-id, token or key ever
shows in any output."""

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

BUILD = os.environ.get("CAIRN_BUILD_DIR", "")
SOURCE = os.environ.get("CAIRN_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.environ.get("KEYS_TOOL") or os.path.join(BUILD, "tests", "keys_tool")
PLUGIN_DIR = os.environ.get("CAIRN_PLUGIN_DIR", "")
STANDIN = os.path.join(SOURCE, "tests", "servers", "vault_standin.py")

V2_WARNING = ("Invalid path for a versioned K/V secrets engine. See the API docs for the "
              "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' "
              "for this operation.")

OUTPUTS = []   # every byte keys_tool printed
SECRETS = []   # every role-id, secret-id and key (raw and base64) handed out
TOKEN_LOGS = []


def printable_key(n):
    return base64.b64encode(os.urandom(n))[:n]


def b64(k):
    return base64.b64encode(k).decode()


def digest_line(key):
    return "key length %d sha256 %s" % (len(key), hashlib.sha256(key).hexdigest())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clean_env():
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = "*"
    return env


class StandIn:
    """One vault_standin.py process on a free loopback port."""

    def __init__(self, workdir, name, cfg):
        self.dir = workdir
        cfgfile = os.path.join(workdir, name + ".json")
        self.portfile = os.path.join(workdir, name + ".port")
        self.logfile = os.path.join(workdir, name + ".log")
        cfg = dict(cfg)
        cfg["token_log"] = os.path.join(workdir, name + ".tokens")
        TOKEN_LOGS.append(cfg["token_log"])
        with open(cfgfile, "w") as f:
            json.dump(cfg, f)
        self.log = open(self.logfile, "wb")
        self.proc = subprocess.Popen([sys.executable, STANDIN, cfgfile, "--port-file",
                                      self.portfile], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while not os.path.exists(self.portfile):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("vault stand-in %s did not start: %s" % (
                    name, open(self.logfile).read()))
            time.sleep(0.05)
        with open(self.portfile) as f:
            self.port = int(f.read())
        scheme = "https" if cfg.get("tls") else "http"
        self.addr = "%s://127.0.0.1:%d" % (scheme, self.port)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_ca(d, name):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
            "/CN=cairn test CA " + name)
    return key, cert


def make_server_cert(d, ca_key, ca_cert):
    key, csr, cert = (os.path.join(d, "server." + x) for x in ("key", "csr", "pem"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return key, cert


class Role:
    """An AppRole: ids in files the way an operator writes them (with a
    trailing newline, as `echo` leaves it)."""

    def __init__(self, d, name, policies, ttl=600, newline="\n"):
        self.name = name
        self.role_id = str(uuid.uuid4())
        self.secret_id = str(uuid.uuid4())
        SECRETS.extend([self.role_id.encode(), self.secret_id.encode()])
        self.roleid_file = os.path.join(d, name + ".role-id")
        self.secretid_file = os.path.join(d, name + ".secret-id")
        with open(self.roleid_file, "w") as f:
            f.write(self.role_id + newline)
        with open(self.secretid_file, "w") as f:
            f.write(self.secret_id + newline)
        self.cfg = {"role_id": self.role_id, "secret_id": self.secret_id,
                    "token_policies": policies, "token_ttl": ttl}

    def flags(self):
        return ["--vault_roleid_file=" + self.roleid_file,
                "--vault_secretid_file=" + self.secretid_file]


def key_secret(k):
    SECRETS.extend([k, b64(k).encode()])
    return k


class KeysVaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = cls.dir = tempfile.mkdtemp(prefix="cairn-keys-vault-")
        cls.servers = []

        cls.k16 = key_secret(os.urandom(16))
        cls.k24 = key_secret(os.urandom(24))
        cls.k32 = key_secret(os.urandom(32))
        cls.kv1 = key_secret(os.urandom(24))
        cls.kns = key_secret(os.urandom(32))
        cls.raw16 = key_secret(printable_key(16))
        cls.raw32 = key_secret(printable_key(32))
        cls.password = key_secret(printable_key(20))
        cls.big = key_secret(printable_key(80))

        cls.role = Role(d, "cairn", ["cairn"])
        cls.crlf = Role(d, "crlf", ["cairn"], newline="\r\n")
        cls.bare = Role(d, "bare", ["cairn"], newline="")
        cls.nsrole = Role(d, "nsrole", ["ns-read"])
        cls.other = Role(d, "other", ["cairn"])  # its secret-id file gets a wrong id
        with open(cls.other.secretid_file, "w") as f:
            f.write(str(uuid.uuid4()) + "\n")
        cls.other.cfg["secret_id"] = str(uuid.uuid4())
        SECRETS.append(cls.other.cfg["secret_id"].encode())

        cairn_policy = {"path": {
            "secret/data/*": {"capabilities": ["read"]},
            "secret/data/denied": {"capabilities": ["deny"]},
            "secret/cairn": {"capabilities": ["read"]},
            "kv/*": {"capabilities": ["read"]},
        }}
        cls.main = cls.start("main", {
            "mounts": {"secret": {"type": "kv", "version": 2}, "kv": {"type": "kv", "version": 1}},
            "roles": {r.name: r.cfg for r in (cls.role, cls.crlf, cls.bare, cls.other)},
            "policies": {"cairn": cairn_policy},
            "secrets": {
                "secret/cairn": {"enc_key": b64(cls.k32), "raw_key": cls.raw16.decode()},
                "secret/k16": {"enc_key": b64(cls.k16)},
                "secret/k24": {"enc_key": b64(cls.k24)},
                "secret/raw32": {"enc_key": cls.raw32.decode()},
                "secret/badb64": {"enc_key": "not base64 at all!"},
                "secret/noenc": {"username": "cairn", "password": cls.password.decode()},
                "secret/numeric": {"enc_key": 12345},
                "secret/big": {"enc_key": b64(cls.big), "raw": cls.big.decode()},
                "secret/denied": {"enc_key": b64(cls.k32)},
                "kv/cairn": {"enc_key": b64(cls.kv1)},
            },
            "overrides": {
                "/v1/secret/data/garbled": {
                    "status": 200, "content_type": "application/json",
                    "body": '{"request_id":"x","data":{"data":{"enc_key":"' + b64(cls.k32)},
            },
            "namespaces": {"ns1": {
                "mounts": {"secret": 2},
                "roles": {"nsrole": cls.nsrole.cfg},
                "policies": {"ns-read": {"path": {"secret/data/+": {"capabilities": ["read"]}}}},
                "secrets": {"secret/cairn": {"enc_key": b64(cls.kns)},
                            "secret/nsonly": {"enc_key": b64(cls.kns)}},
            }},
        })

        sealed_role = Role(d, "sealed", ["cairn"])
        cls.sealed_role = sealed_role
        cls.sealed = cls.start("sealed", {"sealed": True, "mounts": {"secret": 2},
                                          "roles": {"r": sealed_role.cfg}})

        # A token with a 1s TTL whose login answer takes 1.5s to arrive.
        cls.slow_role = Role(d, "slow", ["cairn"], ttl=1)
        cls.slow = cls.start("slow", {
            "login_delay": 1.5, "mounts": {"secret": 2}, "roles": {"r": cls.slow_role.cfg},
            "policies": {"cairn": cairn_policy},
            "secrets": {"secret/cairn": {"enc_key": b64(cls.k32)}}})

        ca_key, cls.ca = make_ca(d, "ca")
        _, cls.other_ca = make_ca(d, "other-ca")
        srv_key, srv_cert = make_server_cert(d, ca_key, cls.ca)
        cls.tls_role = Role(d, "tls", ["cairn"])
        cls.tls = cls.start("tls", {
            "tls": {"cert": srv_cert, "key": srv_key}, "mounts": {"secret": 2},
            "roles": {"r": cls.tls_role.cfg}, "policies": {"cairn": cairn_policy},
            "secrets": {"secret/cairn": {"enc_key": b64(cls.k32)}}})

    @classmethod
    def start(cls, name, cfg):
        s = StandIn(cls.dir, name, cfg)
        cls.servers.append(s)
        return s

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    # -- helpers -------------------------------------------------------------
    def run_tool(self, *args):
        p = subprocess.run([TOOL, "--plugin_dir", PLUGIN_DIR, "-v"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                           timeout=120)
        OUTPUTS.append(p.stdout + p.stderr)
        # Nothing the plugin printed needed the host's scrubbing.
        self.assertNotIn(b"***", p.stdout + p.stderr)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode(
            "utf-8", "replace")

    def vault(self, server=None, role=None, *extra):
        server = server or self.main
        role = role or self.role
        return self.run_tool("--vault_addr=" + server.addr, *(role.flags() + list(extra)))

    def assert_key(self, result, key):
        rc, out, err = result
        self.assertEqual(rc, 0, "stdout=%r stderr=%r" % (out, err))
        self.assertIn("provider keys-vault", out)
        self.assertIn(digest_line(key), out)

    def assert_error(self, result, *needles):
        rc, out, err = result
        self.assertEqual(rc, 1, "want failure, got stdout=%r stderr=%r" % (out, err))
        self.assertNotIn("key length", out)
        lines = [l for l in err.splitlines() if l.startswith("error: ")]
        self.assertEqual(len(lines), 1, err)
        msg = lines[0][len("error: "):]
        for n in needles:
            self.assertIn(n, msg)
        self.assertFalse(msg.endswith("."), msg)
        self.assertEqual(msg[0], msg[0].lower(), msg)
        return msg

    # -- reads that work -----------------------------------------------------
    def test_kv2_read_gives_the_base64_decoded_32_byte_key(self):
        self.assert_key(self.vault(), self.k32)

    def test_kv2_16_24_and_32_byte_keys(self):
        for name, key in (("k16", self.k16), ("k24", self.k24), ("cairn", self.k32)):
            self.assert_key(self.vault(None, None, "--vault_path=secret/data/" + name), key)

    def test_kv1_read_takes_the_field_from_data(self):
        self.assert_key(self.vault(None, None, "--vault_path=kv/cairn"), self.kv1)

    def test_raw_format_uses_the_field_bytes_as_they_are(self):
        self.assert_key(self.vault(None, None, "--vault_path=secret/data/raw32",
                                   "--vault_format=raw"), self.raw32)
        self.assert_key(self.vault(None, None, "--vault_field=raw_key", "--vault_format=raw"),
                        self.raw16)

    def test_defaults_are_path_secret_data_cairn_field_enc_key_format_base64(self):
        self.assert_key(self.vault(), self.k32)
        self.assert_key(self.vault(None, None, "--vault_path=/secret/data/cairn/",
                                   "--vault_field=enc_key", "--vault_format=base64"), self.k32)

    def test_id_files_with_crlf_or_no_newline_work(self):
        self.assert_key(self.vault(None, self.crlf), self.k32)
        self.assert_key(self.vault(None, self.bare), self.k32)

    def test_trailing_slash_on_vault_addr_is_ignored(self):
        self.assert_key(self.run_tool("--vault_addr=" + self.main.addr + "/",
                                      *self.role.flags()), self.k32)

    def test_namespace_header_reaches_the_namespaced_secret(self):
        self.assert_key(self.vault(None, self.nsrole, "--vault_namespace=ns1"), self.kns)
        self.assert_key(self.vault(None, self.nsrole, "--vault_namespace=ns1",
                                   "--vault_path=secret/data/nsonly"), self.kns)

    def test_namespaced_secret_is_invisible_without_the_header(self):
        # The role lives in ns1: without the header there is no such role...
        self.assert_error(self.vault(None, self.nsrole), "refused the approle login")
        # ...and the root namespace has no secret/nsonly.
        self.assert_error(self.vault(None, None, "--vault_path=secret/data/nsonly"),
                          'no secret at vault path "secret/data/nsonly"')

    def test_https_with_vault_ca_file(self):
        self.assert_key(self.vault(self.tls, self.tls_role, "--vault_ca_file=" + self.ca),
                        self.k32)

    # -- every failure, its own message ----------------------------------------
    def err_unreachable(self):
        addr = "http://127.0.0.1:%d" % free_port()
        return self.assert_error(self.run_tool("--vault_addr=" + addr, *self.role.flags()),
                                 "cannot reach vault at " + addr, "check vault_addr")

    def err_login_refused(self):
        return self.assert_error(self.vault(None, self.other),
                                 "vault at %s refused the approle login (HTTP 400)" %
                                 self.main.addr, "(vault: invalid role or secret ID)",
                                 "vault_roleid_file and vault_secretid_file")

    def err_permission_denied(self):
        return self.assert_error(self.vault(None, None, "--vault_path=secret/data/denied"),
                                 'vault denied reading "secret/data/denied" (HTTP 403)',
                                 "(vault: permission denied)", "policies")

    def err_secret_missing(self):
        return self.assert_error(self.vault(None, None, "--vault_path=secret/data/nothing"),
                                 'no secret at vault path "secret/data/nothing" (HTTP 404)',
                                 "check vault_path")

    def err_field_missing(self):
        return self.assert_error(self.vault(None, None, "--vault_path=secret/data/noenc"),
                                 'has no field "enc_key" (it has: username, password)',
                                 "set vault_field")

    def err_bad_base64(self):
        return self.assert_error(self.vault(None, None, "--vault_path=secret/data/badb64"),
                                 'vault field "enc_key" of "secret/data/badb64" is not valid '
                                 "base64", "vault_format=raw")

    def err_sealed(self):
        return self.assert_error(self.vault(self.sealed, self.sealed_role),
                                 "vault at %s is sealed" % self.sealed.addr,
                                 "(vault: Vault is sealed)", "vault operator unseal")

    def err_tls_unverified(self):
        return self.assert_error(self.vault(self.tls, self.tls_role),
                                 "cannot verify the TLS certificate of vault at " +
                                 self.tls.addr, "set vault_ca_file")

    def err_malformed_json(self):
        return self.assert_error(self.vault(None, None, "--vault_path=secret/data/garbled"),
                                 "with a body that is not valid JSON (HTTP 200",
                                 "not at a proxy")

    def err_v1_path_on_v2_mount(self):
        return self.assert_error(self.vault(None, None, "--vault_path=secret/cairn"),
                                 'vault path "secret/cairn" is on a kv version 2 mount',
                                 "Invalid path for a versioned K/V secrets engine",
                                 'set vault_path to "secret/data/cairn"')

    def err_expired_token(self):
        return self.assert_error(self.vault(self.slow, self.slow_role),
                                 "as invalid or expired", "token_ttl")

    def test_unreachable_vault_names_the_address(self):
        self.err_unreachable()

    def test_login_refused_says_check_the_id_files(self):
        self.err_login_refused()

    def test_permission_denied_names_the_path(self):
        self.err_permission_denied()

    def test_secret_missing_names_the_path(self):
        self.err_secret_missing()

    def test_field_missing_names_the_field_and_the_fields_there(self):
        msg = self.err_field_missing()
        self.assertNotIn(self.password.decode(), msg)

    def test_bad_base64_suggests_raw_format(self):
        self.err_bad_base64()

    def test_sealed_vault_says_sealed(self):
        self.err_sealed()

    def test_tls_verification_failure_suggests_vault_ca_file(self):
        self.err_tls_unverified()

    def test_tls_with_the_wrong_ca_names_the_ca_file(self):
        self.assert_error(self.vault(self.tls, self.tls_role, "--vault_ca_file=" + self.other_ca),
                          "cannot verify the TLS certificate", self.other_ca)

    def test_malformed_json_says_not_json(self):
        self.err_malformed_json()

    def test_v1_style_path_on_v2_mount_suggests_the_data_path(self):
        self.err_v1_path_on_v2_mount()

    def test_expired_token_says_invalid_or_expired(self):
        self.err_expired_token()

    def test_each_error_case_has_its_own_message(self):
        msgs = [f() for f in (self.err_unreachable, self.err_login_refused,
                              self.err_permission_denied, self.err_secret_missing,
                              self.err_field_missing, self.err_bad_base64, self.err_sealed,
                              self.err_tls_unverified, self.err_malformed_json,
                              self.err_v1_path_on_v2_mount, self.err_expired_token)]
        # The first few words say what went wrong; no two cases may share them.
        heads = [" ".join(m.split()[:4]) for m in msgs]
        self.assertEqual(len(set(msgs)), len(msgs), msgs)
        self.assertEqual(len(set(heads)), len(heads), heads)

    def test_http_to_a_tls_vault_suggests_https(self):
        addr = self.tls.addr.replace("https://", "http://")
        self.assert_error(self.run_tool("--vault_addr=" + addr, *self.tls_role.flags()),
                          "cannot reach vault at " + addr, "use https://")

    def test_https_to_a_plain_vault_says_handshake_failed(self):
        addr = self.main.addr.replace("http://", "https://")
        self.assert_error(self.run_tool("--vault_addr=" + addr, *self.role.flags()),
                          "tls handshake with vault at " + addr + " failed")

    def test_unreadable_ca_file_is_named(self):
        path = os.path.join(self.dir, "no-such-ca.pem")
        self.assert_error(self.vault(self.tls, self.tls_role, "--vault_ca_file=" + path),
                          'cannot read vault_ca_file "%s"' % path)

    def test_non_string_field_is_refused(self):
        self.assert_error(self.vault(None, None, "--vault_path=secret/data/numeric"),
                          'vault field "enc_key" of "secret/data/numeric" is not a string')

    def test_value_too_big_for_a_key_names_its_size(self):
        self.assert_error(self.vault(None, None, "--vault_path=secret/data/big",
                                     "--vault_field=raw", "--vault_format=raw"),
                          'vault field "raw" of "secret/data/big" is 80 bytes, too big')
        self.assert_error(self.vault(None, None, "--vault_path=secret/data/big"),
                          'vault field "enc_key" of "secret/data/big" decodes to 80 bytes, '
                          "too big")

    def test_unknown_vault_format_is_refused(self):
        self.assert_error(self.vault(None, None, "--vault_format=hex"),
                          'vault_format "hex" is neither base64 nor raw')

    def test_vault_addr_without_scheme_is_refused(self):
        self.assert_error(self.run_tool("--vault_addr=127.0.0.1:8200", *self.role.flags()),
                          'vault_addr "127.0.0.1:8200" is not an http:// or https:// address')

    def test_missing_id_files_are_named(self):
        path = os.path.join(self.dir, "nope.role-id")
        self.assert_error(self.run_tool("--vault_addr=" + self.main.addr,
                                        "--vault_roleid_file=" + path,
                                        "--vault_secretid_file=" + self.role.secretid_file),
                          'vault_roleid_file "%s" does not exist' % path)
        self.assert_error(self.run_tool("--vault_addr=" + self.main.addr,
                                        "--vault_roleid_file=" + self.role.roleid_file),
                          "vault_secretid_file is not set")

    def test_empty_secret_id_file_is_named(self):
        path = os.path.join(self.dir, "empty.secret-id")
        with open(path, "w") as f:
            f.write("\n")
        self.assert_error(self.run_tool("--vault_addr=" + self.main.addr,
                                        "--vault_roleid_file=" + self.role.roleid_file,
                                        "--vault_secretid_file=" + path),
                          'vault_secretid_file "%s" is empty' % path, "secret-id")

    def test_vault_and_key_file_together_is_an_error(self):
        self.assert_error(self.run_tool("--encryption_key_file=" + self.role.roleid_file,
                                        *self.role.flags()),
                          "both", "keys-file", "keys-vault")

    # -- the stand-in answers as Vault documents -----------------------------
    def http(self, method, path, body=None, token=None, ns=None, server=None):
        server = server or self.main
        req = urllib.request.Request(server.addr + path, method=method,
                                     data=json.dumps(body).encode() if body else None)
        if token:
            req.add_header("X-Vault-Token", token)
        if ns:
            req.add_header("X-Vault-Namespace", ns)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def login(self, role, ns=None, server=None):
        st, body = self.http("POST", "/v1/auth/approle/login",
                             {"role_id": role.role_id, "secret_id": role.secret_id}, ns=ns,
                             server=server)
        self.assertEqual(st, 200, body)
        return body

    def test_standin_login_has_vaults_envelope_and_auth_fields(self):
        body = self.login(self.role)
        for k in ("request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info",
                  "warnings", "auth"):
            self.assertIn(k, body)
        for k in ("client_token", "accessor", "policies", "token_policies", "lease_duration",
                  "renewable", "metadata", "token_type", "orphan"):
            self.assertIn(k, body["auth"])
        self.assertIn("cairn", body["auth"]["policies"])
        self.assertEqual(body["auth"]["metadata"], {"role_name": "cairn"})

    def test_standin_kv2_and_kv1_read_shapes(self):
        tok = self.login(self.role)["auth"]["client_token"]
        st, body = self.http("GET", "/v1/secret/data/cairn", token=tok)
        self.assertEqual(st, 200)
        self.assertEqual(body["data"]["data"]["enc_key"], b64(self.k32))
        meta = body["data"]["metadata"]
        for k in ("created_time", "deletion_time", "destroyed", "version", "custom_metadata"):
            self.assertIn(k, meta)
        st, body = self.http("GET", "/v1/kv/cairn", token=tok)
        self.assertEqual((st, body["data"]), (200, {"enc_key": b64(self.kv1)}))

    def test_standin_error_bodies(self):
        tok = self.login(self.role)["auth"]["client_token"]
        self.assertEqual(self.http("POST", "/v1/auth/approle/login",
                                   {"role_id": self.role.role_id, "secret_id": "x"}),
                         (400, {"errors": ["invalid role or secret ID"]}))
        self.assertEqual(self.http("GET", "/v1/secret/data/denied", token=tok),
                         (403, {"errors": ["permission denied"]}))
        self.assertEqual(self.http("GET", "/v1/secret/data/nothing", token=tok),
                         (404, {"errors": []}))
        st, body = self.http("GET", "/v1/secret/cairn", token=tok)
        self.assertEqual((st, body["warnings"], body["data"]), (404, [V2_WARNING], None))
        self.assertEqual(self.http("GET", "/v1/secret/data/cairn", token=tok,
                                   server=self.sealed), (503, {"errors": ["Vault is sealed"]}))

    def test_standin_token_expires_after_its_ttl(self):
        body = self.login(self.slow_role, server=self.slow)
        tok = body["auth"]["client_token"]
        self.assertEqual(body["auth"]["lease_duration"], 1)
        time.sleep(0.2)
        st, body = self.http("GET", "/v1/secret/data/cairn", token=tok, server=self.slow)
        self.assertEqual(st, 403)
        self.assertIn("invalid token", body["errors"])

    def test_standin_namespace_token_works_only_in_its_namespace(self):
        tok = self.login(self.nsrole, ns="ns1")["auth"]["client_token"]
        st, body = self.http("GET", "/v1/secret/data/cairn", token=tok, ns="ns1")
        self.assertEqual((st, body["data"]["data"]["enc_key"]), (200, b64(self.kns)))
        st, _ = self.http("GET", "/v1/secret/data/cairn", token=tok)
        self.assertEqual(st, 403)

    # -- last: nothing secret was ever printed -------------------------------
    def test_zz_no_id_token_or_key_appears_in_any_output(self):
        # Runs last (unittest sorts by name) and sees every output above.
        self.assertGreater(len(OUTPUTS), 20)
        tokens = []
        for path in TOKEN_LOGS:
            if os.path.exists(path):
                with open(path) as f:
                    tokens += [t.strip().encode() for t in f if t.strip()]
        self.assertTrue(tokens, "the stand-ins issued no tokens?")
        needles = SECRETS + tokens + [t.split(b".", 1)[-1] for t in tokens]
        for out in OUTPUTS:
            for s in needles:
                self.assertNotIn(s, out, "a secret (%d bytes) leaked into output" % len(s))


if __name__ == "__main__":
    unittest.main(verbosity=2)
