"""A restore that fails half-way through loading an object leaves nothing:
the object (crafted, with a manifest whose size, sha256 and block index match
it) holds 100,000 good records, more than one of the loader's chunks and one
of its commits, then one out of key order. Restore refuses it naming the
object, and neither the -p directory it would have created, nor p1, nor a
temporary directory is left; into an existing -p directory, that directory
is left as it was, empty."""
import gzip
import hashlib
import json
import os
import shutil
import struct

from cairnlib import Alpha, Zero, expect, lit, lsbackup, restore, workdir

wd = workdir("restore-fails-half-way")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
alpha.mutate("{ set { _:a <name> %s . } }" % lit("a"))
alpha.backup_ok(dest)
alpha.stop()
zero.stop()
b = lsbackup(dest)[0]

N = 100000
BLOCK = 2 << 20


def record(ts, subj, obj):
    return b"S" + struct.pack(">QH", ts, 4) + b"name" + struct.pack(">QI", subj, len(obj)) + obj


mf = os.path.join(dest, b["path"], "manifest.json")
m = json.load(open(mf))
ts = m["read_ts"]
plain = bytearray(b"CAIRNREC" + bytes([1]) + struct.pack(">IQQ", 1, 0, ts))
for subj in range(1, N + 1):
    plain += record(ts, subj, b'"value %030d"' % subj)
plain += record(ts, 1, b'"again"')  # subject 1 again: before the last key
plain += b"E" + struct.pack(">Q", N + 1)

# One gzip member per 2 MiB block, and the block index that says so.
members = [gzip.compress(bytes(plain[i:i + BLOCK]), 6) for i in range(0, len(plain), BLOCK)]
expect(len(members) >= 3, len(members))
data = b"".join(members)
obj = m["objects"][0]
with open(os.path.join(dest, b["path"], obj["path"]), "wb") as f:
    f.write(data)
obj.update(size=len(data), sha256=hashlib.sha256(data).hexdigest(), records=N + 1,
           block_size=BLOCK, plain_size=len(plain), blocks=[len(x) for x in members])
m["max_uid"] = max(m["max_uid"], N)
json.dump(m, open(mf, "w"))
objname = "%s/%s" % (b["path"], obj["path"])

# Into a -p directory restore creates: none left.
target = os.path.join(wd, "restored")
r = restore(["-p", target, "-l", dest, "--force_zero=false"])
expect(r.returncode != 0, r.stdout + r.stderr)
expect("records out of order in a full backup" in r.stderr and objname in r.stderr, r.stderr)
expect(not os.path.exists(target), os.listdir(target) if os.path.exists(target) else None)

# Into an existing, empty one: still there, still empty (no p1, no temporary).
existing = os.path.join(wd, "existing")
os.mkdir(existing)
r = restore(["-p", existing, "-l", dest, "--force_zero=false"])
expect(r.returncode != 0 and "records out of order in a full backup" in r.stderr, r.stderr)
expect(os.path.isdir(existing) and os.listdir(existing) == [], os.listdir(existing))
shutil.rmtree(existing)
print("1 passed, 0 failed")
