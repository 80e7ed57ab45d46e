"""Verify refuses what restore refuses, and restore's memory stays bounded
whatever the values' sizes.

Crafted objects (with a manifest whose size and sha256 match them, as an
attacker who can write the location would make them):
- a full backup whose records are out of key order: restore's append
  refuses it, and verify, reading through the same checks, refuses it too;
- a small gzip object that decodes to hundreds of MB of large values and
  then claims a value beyond the 64 MiB an alpha accepts: restore refuses it
  naming the object, and its maximum RSS stays under a bound (it commits its
  load as it goes instead of holding every value in one transaction)."""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

from cairnlib import CAIRN, PLUGIN_DIR, SANITIZE, Alpha, Zero, lit, lsbackup, restore, run, workdir, expect

wd = workdir("restore-bounded")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
alpha.mutate("{ set { _:a <name> %s . _:b <name> %s . } }" % (lit("a"), lit("b")))
alpha.backup_ok(dest)
alpha.stop()
zero.stop()
b = lsbackup(dest)[0]
plugin = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []


def record(op, ts, pred, subj=None, obj_len=None):
    out = bytes([ord(op)]) + struct.pack(">QH", ts, len(pred)) + pred
    if subj is not None:
        out += struct.pack(">QI", subj, obj_len)
    return out


def craft(name, chunks):
    """A copy of the location whose only object is gzip(chunks), with its
    manifest's size, sha256 and records matching it."""
    d = os.path.join(wd, name)
    shutil.copytree(dest, d)
    mf = os.path.join(d, b["path"], "manifest.json")
    m = json.load(open(mf))
    obj = os.path.join(d, b["path"], m["objects"][0]["path"])
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)
    h = hashlib.sha256()
    size = 0
    with open(obj, "wb") as f:
        for part in [gz.compress(c) for c in chunks] + [gz.flush()]:
            f.write(part)
            h.update(part)
            size += len(part)
    m["objects"][0].update(size=size, sha256=h.hexdigest())
    # One gzip stream, as cairn wrote objects before block indexes.
    for k in ("block_size", "plain_size", "blocks"):
        m["objects"][0].pop(k, None)
    json.dump(m, open(mf, "w"))
    return d, size


header = b"CAIRNREC" + bytes([1]) + struct.pack(">IQQ", 1, 0, b["read_ts"])
ts = b["read_ts"]

# 1. Out of key order in a full backup: verify and restore both refuse it.
obj = b'"x"'
d, _ = craft("unordered", [header, record("S", ts, b"name", 2, len(obj)), obj,
                           record("S", ts, b"name", 1, len(obj)), obj, b"E" + struct.pack(">Q", 2)])
v = run(["verify", "-l", d] + plugin)
expect(v.returncode != 0 and "records out of order in a full backup" in v.stderr, v.stdout + v.stderr)
r = restore(["-p", os.path.join(wd, "t-unordered"), "-l", d, "--force_zero=false"])
expect(r.returncode != 0 and "records out of order in a full backup" in r.stderr, r.stderr)
expect(not os.path.exists(os.path.join(wd, "t-unordered")))


# 2. Large values, then one claiming more than 64 MiB.
VALUE = 60 << 20
NVALUES = 6
block = b"a" * (1 << 20)


def big_values():
    yield header
    for i in range(NVALUES):
        yield record("S", ts, b"name", i + 1, VALUE)
        yield b'"'
        for _ in range(VALUE // len(block) - 1):
            yield block
        yield b"a" * (len(block) - 2) + b'"'
    yield record("S", ts, b"name", NVALUES + 1, 0xFFFFFFFF)


d, size = craft("huge", big_values())
expect(size < 2 << 20, size)  # a small object: under 2 MB for 360 MB of values
objname = "%s/r%d-g1.backup" % (b["path"], b["read_ts"])
want = "claims a value of 4294967295 bytes, more than the 64 MiB an alpha accepts"

v = run(["verify", "-l", d] + plugin)
expect(v.returncode != 0 and want in v.stderr and objname in v.stderr, v.stdout + v.stderr)

# restore in a child of its own, so its maximum RSS is the only one measured.
target = os.path.join(wd, "t-huge")
probe = ("import resource, subprocess, sys\n"
         "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
         "sys.stdout.write(p.stderr)\n"
         "print('RC %d MAXRSS_KB %d' % (p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n")
out = subprocess.run([sys.executable, "-c", probe, CAIRN, "restore", "-p", target, "-l", d,
                      "--force_zero=false"] + plugin, capture_output=True, text=True, timeout=600)
last = out.stdout.strip().splitlines()[-1].split()
rc, rss_mb = int(last[1]), int(last[3]) // 1024
expect(rc != 0 and want in out.stdout and objname in out.stdout, out.stdout)
expect(not os.path.exists(target))
bound = 300 if not SANITIZE else 1200  # ASan's shadow and quarantine
print("restore of %d x %d MB values: max RSS %d MB (bound %d MB)" % (NVALUES, VALUE >> 20, rss_mb, bound))
expect(rss_mb < bound, "restore took %d MB for a %d-byte object" % (rss_mb, size))
print("1 passed, 0 failed")
