#!/usr/bin/env python3
"""storage-s3 and storage-minio against a real S3 server: Ceph radosgw
started here by tests/servers/radosgw.sh (one monitor, one memstore OSD,
cephx, beast on HTTP and HTTPS with a CA made for the run), with Debian's
awscli as the independent client.

Objects go through storage_tool (the plugins as cairn loads them) over
s3:// and minio://, plain HTTP and HTTPS; awscli lists and reads what cairn
wrote, cairn reads what awscli wrote; radosgw itself checks the signatures,
payload hashes and the 5 MiB minimum part size."""

import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "servers"))
from radosgw import Radosgw, storage_tool, TOOL, PLUGIN_DIR, clean_env  # noqa: E402

GW = None
BUCKET = "cairn-data"
MIB = 1 << 20


def setUpModule():
    global GW
    GW = Radosgw()
    try:
        GW.start()
        GW.mb(BUCKET)
    except BaseException:
        GW.stop()
        raise


def tearDownModule():
    if GW:
        GW.stop()


def loc(scheme, https, prefix="", bucket=BUCKET):
    host = GW.https if https else GW.http
    return "%s://%s/%s%s%s" % (scheme, host, bucket, "/" + prefix if prefix else "",
                               "" if https else "?secure=false")


def env(scheme, https):
    e = GW.creds(scheme)
    if https:
        e["AWS_CA_BUNDLE"] = GW.ca_file
    return e


def parts_of(etag):
    """A multipart object's ETag ends in -N, N its number of parts."""
    tag = etag.strip('"')
    return int(tag.rsplit("-", 1)[1]) if "-" in tag else 1


class Storage(unittest.TestCase):
    def tool(self, *args, data=b"", e=None):
        p = storage_tool(*args, data=data, env=e)
        self.assertEqual(p.returncode, 0, "storage_tool %s: %s"
                         % (" ".join(args), p.stderr.decode(errors="replace")))
        return p.stdout

    def listing(self, location, e, prefix=None):
        out = self.tool("list", location, *([prefix] if prefix is not None else []), e=e)
        rows = [line.split("\t", 1) for line in out.decode().splitlines()]
        return {name: int(size) for size, name in rows}

    def round_trip(self, scheme, https):
        prefix = "rt-%s-%s" % (scheme, "https" if https else "http")
        location, e = loc(scheme, https, prefix), env(scheme, https)
        small = os.urandom(100)
        large = os.urandom(20 * MIB + 12345)
        self.tool("put", location, "small.bin", data=small, e=e)
        self.tool("put", location, "dir/large.bin", data=large, e=e)

        self.assertEqual(self.tool("get", location, "small.bin", e=e), small)
        self.assertEqual(self.tool("get", location, "dir/large.bin", e=e), large)
        # a ranged read (the plugin's Range GET), across a part boundary
        off = 5 * MIB - 77
        self.assertEqual(self.tool("get", location, "dir/large.bin", "--range",
                                   "%d:%d" % (off, MIB), e=e), large[off:off + MIB])
        self.assertEqual(self.tool("get", location, "small.bin", "--range", "90:0", e=e),
                         small[90:])
        self.assertEqual(self.tool("get", location, "small.bin", "--range", "500:10", e=e), b"")
        self.assertEqual(self.listing(location, e),
                         {"small.bin": 100, "dir/large.bin": len(large)})
        # awscli sees the same objects under the location's prefix...
        self.assertEqual(GW.keys(BUCKET, prefix + "/"),
                         {prefix + "/small.bin": 100, prefix + "/dir/large.bin": len(large)})
        # ...a single PUT for the small one, more than three parts for the large one...
        self.assertEqual(parts_of(GW.head(BUCKET, prefix + "/small.bin")["ETag"]), 1)
        self.assertGreater(parts_of(GW.head(BUCKET, prefix + "/dir/large.bin")["ETag"]), 3)
        # ...and reads back the bytes cairn wrote.
        self.assertEqual(GW.cat(BUCKET, prefix + "/dir/large.bin", https=https), large)
        self.assertEqual(GW.uploads(BUCKET), [])

    def test_s3_over_http_small_and_large_objects_round_trip(self):
        self.round_trip("s3", False)

    def test_s3_over_https_small_and_large_objects_round_trip(self):
        self.round_trip("s3", True)

    def test_minio_over_http_small_and_large_objects_round_trip(self):
        self.round_trip("minio", False)

    def test_minio_over_https_small_and_large_objects_round_trip(self):
        self.round_trip("minio", True)

    def test_cairn_reads_what_awscli_wrote(self):
        with tempfile.TemporaryDirectory() as d:
            files = {"folder/a.txt": b"alpha\n", "folder/sub/b.bin": os.urandom(70000),
                     "folder/sub/deeper/c": b""}
            for name, data in files.items():
                os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            big = os.urandom(17 * MIB)   # awscli uploads this in 8 MiB parts
            with open(os.path.join(d, "big.bin"), "wb") as f:
                f.write(big)
            GW.aws("s3", "cp", "--only-show-errors", "--recursive", os.path.join(d, "folder"),
                   "s3://%s/fromaws/folder" % BUCKET)
            GW.aws("s3", "cp", "--only-show-errors", os.path.join(d, "big.bin"),
                   "s3://%s/fromaws/big.bin" % BUCKET, https=True)
        self.assertGreater(parts_of(GW.head(BUCKET, "fromaws/big.bin")["ETag"]), 1)
        for scheme, https in (("minio", True), ("s3", False)):
            location, e = loc(scheme, https, "fromaws"), env(scheme, https)
            want = {name: len(data) for name, data in files.items()}
            want["big.bin"] = len(big)
            self.assertEqual(self.listing(location, e), want)
            for name, data in files.items():
                self.assertEqual(self.tool("get", location, name, e=e), data)
            self.assertEqual(self.tool("get", location, "big.bin", e=e), big)
            self.assertEqual(self.tool("stat", location, "folder/sub/b.bin", e=e), b"70000\n")

    def test_listing_over_1000_keys_uses_continuation_tokens(self):
        # radosgw answers at most 1000 keys a page, so 1100 need a second page.
        with tempfile.TemporaryDirectory() as d:
            for i in range(1100):
                with open(os.path.join(d, "k%04d" % i), "w") as f:
                    f.write("x" * (i % 7))
            GW.aws("s3", "cp", "--only-show-errors", "--recursive", d,
                   "s3://%s/many/" % BUCKET)
        location, e = loc("s3", False, "many"), env("s3", False)
        got = self.listing(location, e)
        self.assertEqual(len(got), 1100)
        self.assertEqual(got, {"k%04d" % i: i % 7 for i in range(1100)})
        # A prefix inside the location narrows it.
        self.assertEqual(sorted(self.listing(location, e, "k10")),
                         ["k%04d" % i for i in range(1000, 1100)])

    def test_location_prefix_scopes_object_names(self):
        e = env("minio", False)
        self.tool("put", loc("minio", False, "p1/p2"), "x/y.bin", data=b"scoped", e=e)
        self.assertIn("p1/p2/x/y.bin", GW.keys(BUCKET, "p1/"))
        self.assertEqual(self.listing(loc("minio", False, "p1"), e), {"p2/x/y.bin": 6})
        self.assertEqual(self.tool("get", loc("minio", False, "p1"), "p2/x/y.bin", e=e), b"scoped")
        self.assertEqual(self.listing(loc("minio", False, "p1/p2/x/y.bin/nothing"), e), {})

    def test_stat_and_remove(self):
        location, e = loc("s3", True), env("s3", True)
        self.tool("put", location, "stat/obj", data=b"12345", e=e)
        self.assertEqual(self.tool("stat", location, "stat/obj", e=e), b"5\n")
        self.tool("rm", location, "stat/obj", e=e)
        p = storage_tool("stat", location, "stat/obj", env=e)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertNotIn("stat/obj", GW.keys(BUCKET, "stat/"))
        # Removing what is not there is not an error (S3 semantics).
        self.tool("rm", location, "stat/obj", e=e)

    def test_empty_object(self):
        location, e = loc("s3", False), env("s3", False)
        self.tool("put", location, "empty/zero", data=b"", e=e)
        self.assertEqual(self.tool("get", location, "empty/zero", e=e), b"")
        self.assertEqual(self.tool("stat", location, "empty/zero", e=e), b"0\n")
        self.assertEqual(GW.keys(BUCKET, "empty/"), {"empty/zero": 0})

    def test_object_of_exactly_one_part_size_is_a_single_put(self):
        location, e = loc("s3", False), env("s3", False)
        data = os.urandom(5 * MIB)
        self.tool("put", location, "edge/five", data=data, e=e)
        self.assertEqual(parts_of(GW.head(BUCKET, "edge/five")["ETag"]), 1)
        data2 = data + b"!"
        self.tool("put", location, "edge/five-plus", data=data2, e=e)
        self.assertEqual(parts_of(GW.head(BUCKET, "edge/five-plus")["ETag"]), 2)
        self.assertEqual(self.tool("get", location, "edge/five-plus", e=e), data2)

    def test_aborted_write_leaves_nothing(self):
        location, e = loc("minio", True, "aborted"), env("minio", True)
        self.tool("put", "--abort", location, "big.bin", data=os.urandom(20 * MIB), e=e)
        self.tool("put", "--abort", location, "small.bin", data=b"small", e=e)
        self.assertEqual(GW.keys(BUCKET, "aborted/"), {})
        self.assertEqual(GW.uploads(BUCKET), [])

    def test_failing_part_aborts_the_multipart_upload(self):
        # A bucket quota makes radosgw refuse a part in the middle of the upload.
        GW.mb("cairn-quota")
        admin = ["radosgw-admin", "-c", GW.ceph_conf, "-n", "client.admin"]
        subprocess.run(admin + ["quota", "set", "--quota-scope=bucket", "--bucket=cairn-quota",
                                "--max-size=%d" % (8 * MIB)], check=True, capture_output=True)
        subprocess.run(admin + ["quota", "enable", "--quota-scope=bucket",
                                "--bucket=cairn-quota"], check=True, capture_output=True)
        e = env("s3", False)
        p = storage_tool("put", loc("s3", False, bucket="cairn-quota"), "big.bin",
                         data=os.urandom(30 * MIB), env=e)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"the quota of bucket \"cairn-quota\"", p.stderr)
        self.assertIn(b"(part ", p.stderr)   # it failed mid-upload, not at the start
        self.assertEqual(GW.uploads("cairn-quota"), [])
        self.assertEqual(GW.keys("cairn-quota"), {})

    def test_upload_streams_with_bounded_memory(self):
        # 128 MiB through a pipe: the writer holds a few 5 MiB parts, never the
        # object. A child Python feeds storage_tool and reports its peak RSS.
        size = 128 * MIB
        sanitized = os.environ.get("CAIRN_SANITIZE", "") in ("1", "ON", "TRUE", "true")
        limit_mib = 160 if sanitized else 64
        feeder = r"""
import random, resource, subprocess, sys
cmd = sys.argv[1:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
r = random.Random(7)
for _ in range(%d):
    p.stdin.write(r.randbytes(1 << 20))
p.stdin.close()
rc = p.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)
""" % (size // MIB)
        e = clean_env(**env("s3", False))
        if sanitized:
            e["ASAN_OPTIONS"] = "quarantine_size_mb=16:" + e.get("ASAN_OPTIONS", "")
        location = loc("s3", False, "stream")
        out = subprocess.run([sys.executable, "-c", feeder, TOOL, "--plugin_dir", PLUGIN_DIR,
                              "put", location, "big.bin"], capture_output=True, env=e,
                             timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        maxrss_kib, rc = map(int, out.stdout.split())
        self.assertEqual(rc, 0, out.stderr)
        print("\n  peak RSS of storage_tool uploading %d MiB: %.1f MiB"
              % (size // MIB, maxrss_kib / 1024.0), file=sys.stderr)
        self.assertLess(maxrss_kib, limit_mib * 1024)
        self.assertGreaterEqual(parts_of(GW.head(BUCKET, "stream/big.bin")["ETag"]), 25)
        # Read it back as a stream too and compare digests.
        r = random.Random(7)
        want = hashlib.sha256()
        for _ in range(size // MIB):
            want.update(r.randbytes(MIB))
        got = hashlib.sha256()
        with subprocess.Popen([TOOL, "--plugin_dir", PLUGIN_DIR, "get", location, "big.bin"],
                              stdout=subprocess.PIPE, env=e) as p:
            for chunk in iter(lambda: p.stdout.read(MIB), b""):
                got.update(chunk)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(got.hexdigest(), want.hexdigest())

    def test_zz_no_multipart_upload_is_left_open(self):
        # Runs last (unittest sorts by name): nothing above left an upload behind.
        self.assertEqual(GW.uploads(BUCKET), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
