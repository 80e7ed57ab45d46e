#!/usr/bin/env python3
"""What storage-s3 and storage-minio say when something is wrong, against a
real radosgw (tests/servers/radosgw.sh): a wrong secret or access key, a
missing bucket, anonymous access to a private bucket, an unknown host, a
closed port, an untrusted or missing CA, HTTPS spoken to a plain-HTTP port,
no credentials at all. Each is one clear "error: " line naming what to fix,
shows no secret, and leaves no object and no multipart upload behind
(awscli's list-multipart-uploads proves it).

Also where credentials come from, in order: request parameters, then the
environment, then the ini file ([s3] / [minio]), and anonymous access to a
public bucket."""

import os
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "servers"))
from radosgw import Radosgw, storage_tool  # noqa: E402

GW = None
BUCKET = "cairn-err"
PUBLIC = "cairn-public"
MIB = 1 << 20
BIG = os.urandom(12 * MIB)       # big enough to take the multipart path
WRONG_SECRET = "Zq" + os.urandom(12).hex()
OUTPUTS = []


def setUpModule():
    global GW
    GW = Radosgw()
    try:
        GW.start()
        GW.mb(BUCKET)
        GW.mb(PUBLIC)
        GW.aws("s3api", "put-bucket-acl", "--bucket", PUBLIC, "--acl", "public-read-write")
    except BaseException:
        GW.stop()
        raise


def tearDownModule():
    if GW:
        GW.stop()


def loc(scheme="s3", https=False, bucket=BUCKET, host=None):
    host = host or (GW.https if https else GW.http)
    return "%s://%s/%s%s" % (scheme, host, bucket, "" if https else "?secure=false")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Errors(unittest.TestCase):
    def run_tool(self, *args, data=b"", env=None):
        p = storage_tool(*args, data=data, env=env)
        OUTPUTS.append(p.stdout + p.stderr)
        return p

    def fails(self, *args, data=b"", env=None, says=(), bucket=BUCKET):
        """Runs storage_tool expecting exit 1 and one error line with every
        phrase in says; checks nothing was left in bucket."""
        p = self.run_tool(*args, data=data, env=env)
        err = p.stderr.decode(errors="replace")
        self.assertEqual(p.returncode, 1, err)
        lines = [l for l in err.splitlines() if l.startswith("error: ")]
        self.assertEqual(len(lines), 1, err)
        line = lines[0]
        for phrase in says:
            self.assertIn(phrase, line)
        self.assertFalse(line.endswith("."), line)
        self.assertNotIn(GW.secret_key, err)
        self.assertNotIn(WRONG_SECRET, err)
        self.assertEqual(GW.uploads(bucket), [], "a multipart upload was left behind")
        return line

    def assert_no_object(self, key, bucket=BUCKET):
        self.assertNotIn(key, GW.keys(bucket))

    # -- credentials that do not work ------------------------------------
    def test_wrong_secret_names_the_access_key_and_what_to_fix(self):
        e = GW.creds("s3", secret=WRONG_SECRET)
        self.fails("put", loc("s3"), "ws.bin", data=BIG, env=e,
                   says=("the secret key is wrong for access key \"%s...\"" % GW.access_key[:4],
                         GW.http, "AWS_SECRET_ACCESS_KEY"))
        self.assert_no_object("ws.bin")
        self.assertNotIn(GW.access_key, OUTPUTS[-1].decode(), "the whole access key was shown")
        e = GW.creds("minio", secret=WRONG_SECRET)
        self.fails("put", loc("minio", https=True), "ws.bin", data=b"small",
                   env=dict(e, AWS_CA_BUNDLE=GW.ca_file),
                   says=("the secret key is wrong", "MINIO_SECRET_KEY"))
        self.fails("list", loc("minio"), env=e, says=("the secret key is wrong",))
        self.fails("get", loc("minio"), "anything", env=e, says=("the secret key is wrong",))
        self.fails("stat", loc("minio"), "anything", env=e, says=("the secret key is wrong",))
        self.assert_no_object("ws.bin")

    def test_unknown_access_key_is_named(self):
        e = GW.creds("s3", access="NOSUCHKEY0000000")
        self.fails("put", loc("s3"), "ak.bin", data=BIG, env=e,
                   says=("access key \"NOSU...\" is not known", "AWS_ACCESS_KEY_ID"))
        self.assert_no_object("ak.bin")

    def test_missing_bucket_is_named_with_the_endpoint(self):
        for scheme in ("s3", "minio"):
            e = GW.creds(scheme)
            self.fails("put", loc(scheme, bucket="no-such-bucket"), "x.bin", data=BIG, env=e,
                       says=("bucket \"no-such-bucket\" does not exist at %s" % GW.http,
                             "create it"))
            self.fails("list", loc(scheme, bucket="no-such-bucket"), env=e,
                       says=("bucket \"no-such-bucket\" does not exist",))
            self.fails("stat", loc(scheme, bucket="no-such-bucket"), "x.bin", env=e,
                       says=("bucket \"no-such-bucket\" does not exist",))

    def test_anonymous_on_a_private_bucket_is_denied_clearly(self):
        for args, data in ((("put", loc("s3"), "anon.bin"), BIG), (("list", loc("s3")), b""),
                           (("get", loc("s3"), "anon.bin"), b"")):
            self.fails("--param", "anonymous=true", *args, data=data, env=GW.creds("s3"),
                       says=("access denied to bucket \"%s\"" % BUCKET, "without credentials",
                             "not public"))
        self.assert_no_object("anon.bin")

    def test_anonymous_on_a_public_bucket_works_without_credentials(self):
        # A public-read-write bucket takes unsigned writes (multipart here)...
        p = self.run_tool("--param", "anonymous=true", "put", loc("minio", bucket=PUBLIC),
                          "pub.bin", data=BIG, env={})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(GW.keys(PUBLIC)["pub.bin"], len(BIG))
        # ...and unsigned reads of a public-read object, and listings.
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"readable")
            f.flush()
            GW.aws("s3api", "put-object", "--bucket", PUBLIC, "--key", "readable.txt",
                   "--body", f.name, "--acl", "public-read")
        p = self.run_tool("--param", "anonymous=true", "get", loc("s3", bucket=PUBLIC),
                          "readable.txt", env={})
        self.assertEqual((p.returncode, p.stdout), (0, b"readable"), p.stderr)
        p = self.run_tool("--param", "anonymous=true", "list", loc("s3", bucket=PUBLIC), env={})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode().splitlines(),
                         ["%d\tpub.bin" % len(BIG), "8\treadable.txt"])

    def test_no_credentials_says_where_to_put_them(self):
        self.fails("list", loc("s3"), env={},
                   says=("no credentials for s3://", "AWS_ACCESS_KEY_ID", "[s3]", "anonymous"))
        self.fails("list", loc("minio"), env={},
                   says=("no credentials for minio://", "MINIO_ACCESS_KEY", "[minio]"))

    # -- endpoints that cannot be reached -------------------------------
    def test_unknown_host_is_named(self):
        host = "no-such-host.invalid:7480"
        self.fails("put", loc("s3", host=host), "x.bin", data=BIG, env=GW.creds("s3"),
                   says=("cannot resolve the host of endpoint %s" % host,))

    def test_closed_port_is_named(self):
        host = "127.0.0.1:%d" % closed_port()
        self.fails("put", loc("minio", host=host), "x.bin", data=BIG, env=GW.creds("minio"),
                   says=("cannot connect to endpoint %s" % host, "port"))

    # -- TLS -------------------------------------------------------------
    def test_untrusted_certificate_suggests_ca_file(self):
        self.fails("put", loc("s3", https=True), "tls.bin", data=BIG, env=GW.creds("s3"),
                   says=("TLS certificate of endpoint %s is not trusted" % GW.https, "ca_file",
                         "AWS_CA_BUNDLE"))
        # A CA that did not sign the server's certificate is no better.
        with tempfile.TemporaryDirectory() as d:
            ca = os.path.join(d, "other-ca.crt")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                            "1", "-subj", "/CN=other", "-keyout", os.path.join(d, "k"), "-out",
                            ca], check=True, capture_output=True)
            self.fails("put", loc("s3", https=True), "tls.bin", data=BIG,
                       env=dict(GW.creds("s3"), AWS_CA_BUNDLE=ca),
                       says=("is not trusted", "ca_file"))
        self.assert_no_object("tls.bin")

    def test_missing_ca_file_is_named(self):
        self.fails("list", loc("s3", https=True),
                   env=dict(GW.creds("s3"), AWS_CA_BUNDLE="/nonexistent/ca.pem"),
                   says=("cannot read the CA file \"/nonexistent/ca.pem\"",))

    def test_https_to_a_plain_http_port_suggests_secure_false(self):
        self.fails("list", "s3://%s/%s" % (GW.http, BUCKET), env=GW.creds("s3"),
                   says=("TLS handshake with endpoint %s failed" % GW.http, "secure=false"))

    # -- where credentials come from --------------------------------------
    def test_credentials_order_is_params_then_environment_then_ini(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini") as ini:
            ini.write("[s3]\naccess_key = %s\nsecret_key = %s\nca_file = %s\n"
                      "[minio]\naccess_key = %s\nsecret_key = %s\n"
                      % (GW.access_key, GW.secret_key, GW.ca_file, GW.access_key, GW.secret_key))
            ini.flush()
            cfg = ("--config", ini.name)
            # The ini file alone is enough, CA file included.
            p = self.run_tool(*cfg, "put", loc("s3", https=True), "ini.bin", data=b"ini", env={})
            self.assertEqual(p.returncode, 0, p.stderr)
            p = self.run_tool(*cfg, "get", loc("minio"), "ini.bin", env={})
            self.assertEqual((p.returncode, p.stdout), (0, b"ini"), p.stderr)
            # The environment beats the ini file: a wrong secret there is used.
            self.fails(*cfg, "list", loc("s3"), env=GW.creds("s3", secret=WRONG_SECRET),
                       says=("the secret key is wrong", "AWS_SECRET_ACCESS_KEY"))
            # Request parameters beat both.
            p = self.run_tool(*cfg, "--param", "accessKey=" + GW.access_key,
                              "--param", "secretKey=" + GW.secret_key, "list", loc("s3"),
                              env=GW.creds("s3", secret=WRONG_SECRET))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.fails(*cfg, "--param", "accessKey=" + GW.access_key,
                       "--param", "secretKey=" + WRONG_SECRET, "list", loc("s3"), env={},
                       says=("the secret key is wrong", "secretKey of the request"))
        # AWS_ACCESS_KEY / AWS_SECRET_KEY are accepted too.
        p = self.run_tool("list", loc("s3"),
                          env={"AWS_ACCESS_KEY": GW.access_key, "AWS_SECRET_KEY": GW.secret_key})
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_reading_a_missing_object_names_it(self):
        self.fails("get", loc("s3"), "not/here.bin", env=GW.creds("s3"),
                   says=("cannot read \"not/here.bin\"", "no such object"))
        p = self.run_tool("stat", loc("s3"), "not/here.bin", env=GW.creds("s3"))
        self.assertEqual(p.returncode, 3, p.stderr)

    def test_zz_no_secret_in_any_output_and_nothing_left_behind(self):
        # Runs last (unittest sorts by name) and sees every output above.
        self.assertGreater(len(OUTPUTS), 20)
        for out in OUTPUTS:
            self.assertNotIn(GW.secret_key.encode(), out)
            self.assertNotIn(WRONG_SECRET.encode(), out)
        self.assertEqual(GW.uploads(BUCKET), [])
        self.assertEqual(GW.uploads(PUBLIC), [])
        self.assertEqual(sorted(GW.keys(BUCKET)), ["ini.bin"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
