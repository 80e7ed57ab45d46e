"""Restore and verify read each backup object exactly once: counted as GETs
against the S3 stand-in of test_s3_faults.py (which records every request)
for a two-group cluster's full + incremental series, plain and encrypted,
with an object larger than the S3 reader's buffer. Restore also stats every
object (one HEAD each) before it writes anything. verify without the key
(sizes, sha256), with the key (MACs, records) and restore each take one GET
per object; a restore that finds a damaged object at its end still reads it
once, and leaves the target as it was."""
import json
import os
import sys
import threading
import urllib.parse
from http.server import ThreadingHTTPServer

from cairnlib import Alpha, Zero, lsbackup, note_secret, restore, run, workdir, PLUGIN_DIR
from test_s3_faults import ACCESS, FAKE, SECRET, Handler

wd = workdir("restore-reads-once")
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
note_secret(SECRET)
env = {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET}
creds = {"accessKey": ACCESS, "secretKey": SECRET}
key = os.urandom(32)
note_secret(key.hex())
keyfile = os.path.join(wd, "backup.key")
open(keyfile, "wb").write(key)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def need(cond, what):
    """A setup step that must hold for the rest to mean anything."""
    if not cond:
        raise SystemExit("FAIL: %s" % (what,))


def loc(prefix):
    return "s3://127.0.0.1:%d/bkt/%s?secure=false" % (port, prefix)


def objects(prefix):
    return sorted(k for k in FAKE.objects if k.startswith(prefix + "/") and k.endswith(".backup"))


def requests_by_key(method):
    counts = {}
    with FAKE.lock:
        for m, path, query, _ in FAKE.requests:
            if m == method and "list-type" not in query:
                k = urllib.parse.unquote(path).lstrip("/").split("/", 1)[1]
                counts[k] = counts.get(k, 0) + 1
    return counts


def forget_requests():
    with FAKE.lock:
        FAKE.requests = []


def cairn(args, with_key=False):
    extra = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []
    return run(args + extra + (["--encryption_key_file", keyfile] if with_key else []), env=env)


def each_object_read_once(what, prefix, heads=None):
    gets = requests_by_key("GET")
    for k in objects(prefix):
        check(gets.get(k) == 1, "%s: %s read %d times, want once" % (what, k, gets.get(k, 0)))
    if heads is not None:
        h = requests_by_key("HEAD")
        for k in objects(prefix):
            check(h.get(k) == heads, "%s: %s stat %d times, want %d" % (what, k, h.get(k, 0), heads))


def series(prefix, extra):
    os.makedirs(os.path.join(wd, prefix))
    zero = Zero(wd, wal=os.path.join(wd, prefix, "zw"))
    a1 = Alpha(wd, zero, postings=os.path.join(wd, prefix, "p-a1"), extra=extra)
    a2 = Alpha(wd, zero, postings=os.path.join(wd, prefix, "p-a2"), extra=extra)
    lease = zero.assign("uids", 2000)
    people = list(range(lease["startId"], lease["endId"] + 1))
    # Random hex values: the group-1 object outgrows the S3 reader's 1 MiB buffer.
    a1.mutate("{ set {\n%s\n} }" % "\n".join('<0x%x> <name> "%s" .' % (u, os.urandom(600).hex()) for u in people))
    a2.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <friend> <0x%x> ." % (u, people[(i * 7) % len(people)])
                                          for i, u in enumerate(people)))
    a1.backup_ok(loc(prefix), **creds)
    a1.mutate('{ set { <0x%x> <name> "changed" . } }' % people[0])
    a2.alter({"drop_attr": "friend"})
    a2.backup_ok(loc(prefix), **creds)
    a1.stop()
    a2.stop()
    zero.stop()
    b = lsbackup(loc(prefix), env=env)
    need([x["backup_num"] for x in b] == [1, 2] and sorted(b[1]["groups"]) == ["1", "2"], b)
    objs = objects(prefix)
    need(len(objs) == 4, objs)
    big = max(len(FAKE.objects[k]) for k in objs)
    need(big > (1 << 20), "the largest object is only %d bytes" % big)
    return b


def restored(target, prefix, enc):
    return restore(["-p", target, "-l", loc(prefix), "--force_zero=false"]
                   + (["--encryption_key_file", keyfile] if enc else []), env=env)


for PREFIX, ENC in (("plain", False), ("enc", True)):
    b = series(PREFIX, ["--encryption_key_file", keyfile] if ENC else [])
    forget_requests()
    v = cairn(["verify", "-l", loc(PREFIX)], with_key=ENC)
    check(v.returncode == 0 and "verified" in v.stdout and "no key given" not in v.stdout,
          "%s verify: %s%s" % (PREFIX, v.stdout, v.stderr))
    each_object_read_once("%s verify" % PREFIX, PREFIX)
    if ENC:
        forget_requests()
        v = cairn(["verify", "-l", loc(PREFIX)])
        check(v.returncode == 0 and "no key given" in v.stdout, "keyless verify: %s%s" % (v.stdout, v.stderr))
        each_object_read_once("keyless verify", PREFIX)
    forget_requests()
    target = os.path.join(wd, "restored-" + PREFIX)
    out = restored(target, PREFIX, ENC)
    check(out.returncode == 0 and "Restore version: %d" % b[1]["read_ts"] in out.stdout,
          "%s restore: %s%s" % (PREFIX, out.stdout, out.stderr))
    check(sorted(os.listdir(target)) == ["p1", "p2"], "%s restore wrote %s" % (PREFIX, os.listdir(target)))
    each_object_read_once("%s restore" % PREFIX, PREFIX, heads=1)

# A damaged object found only at its end (same size, one byte flipped, in the
# last object restore reads): one read each still, and nothing left behind.
PREFIX, ENC = "plain", False
b = lsbackup(loc(PREFIX), env=env)
m = json.loads(FAKE.objects["%s/%s/manifest.json" % (PREFIX, b[-1]["path"])])
last = "%s/%s/%s" % (PREFIX, b[-1]["path"], m["objects"][-1]["path"])
data = bytearray(FAKE.objects[last])
data[len(data) // 2] ^= 0x01
FAKE.objects[last] = bytes(data)
forget_requests()
target = os.path.join(wd, "refused")
os.makedirs(target)
out = restored(target, PREFIX, ENC)
check(out.returncode != 0 and "does not match the sha256" in out.stderr, "damaged: %s" % out.stderr)
check(os.listdir(target) == [], "a failed restore left %s" % os.listdir(target))
each_object_read_once("damaged restore", PREFIX, heads=1)
forget_requests()
v = cairn(["verify", "-l", loc(PREFIX)])
check(v.returncode != 0 and "does not match the sha256" in v.stderr, "damaged verify: %s" % v.stderr)
gets = requests_by_key("GET")
check(all(n == 1 for k, n in gets.items() if k.endswith(".backup")) and gets.get(last) == 1,
      "damaged verify reads: %s" % gets)
check(FAKE.bad == [], "the stand-in found bad requests: %s" % FAKE.bad)

server.shutdown()
if failures:
    sys.exit(1)
print("1 passed, 0 failed")
