"""Backups whose objects hold records format version 1 (what cairn wrote
before version 2) still restore: a full backup and an incremental (sets,
deletes, a drop_attr, a drop_all) are written by today's cairn in version 2,
their objects rewritten as version 1 record for record (with the manifest's
size and sha256 to match), and the restored cluster's export equals the
original's at the incremental's read_ts byte for byte, and at the full
backup's read_ts with --backup_num 1."""
import glob
import gzip
import hashlib
import json
import os
import struct

from cairnlib import Alpha, Model, Zero, lit, load_sample, lsbackup, restore, workdir, expect

wd = workdir("restore-records-v1")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
model = Model()
uids = load_sample(alpha, model, n_people=300)
alpha.backup_ok(dest)
alpha.mutate("{ delete { %s } set { %s } }" % (
    " ".join("<0x%x> <name> * ." % u for u in uids[:20]),
    " ".join("<0x%x> <name> %s ." % (u, lit("Renamed %d" % u)) for u in uids[:20])))
alpha.alter({"drop_attr": "bio"})
alpha.alter({"drop_all": True})
alpha.mutate("{ set { <0x%x> <age> %s . <0x%x> <friend> <0x%x> . } }" % (
    uids[1], lit("-7", typ="xs:int"), uids[2], uids[3]))
alpha.backup_ok(dest)
b = lsbackup(dest)
expect([x["type"] for x in b] == ["full", "incremental"], b)
want = alpha.export(b[1]["read_ts"])
want1 = alpha.export(b[0]["read_ts"])
expect(want1 != want and "Person 7" in want1, want1[:200])
alpha.stop()
zero.stop()


def uv(data, pos):
    v, shift = 0, 0
    while True:
        c = data[pos]
        pos += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, pos


def unzigzag(base, z):
    d = ~(z >> 1) if z & 1 else z >> 1
    return (base + d) % (1 << 64)


def v2_to_v1(data):
    """The version 1 stream carrying the records of version 2 stream data;
    also the record kinds seen."""
    expect(data[:8] == b"CAIRNREC" and data[8] == 2, data[:9])
    out = [data[:8], b"\x01", data[9:29]]
    pos, pred, ts, subj, n, ops = 29, b"", 0, 0, 0, set()
    while True:
        tag = data[pos]
        pos += 1
        if tag == 0x80:
            count, pos = uv(data, pos)
            expect(count == n and pos == len(data), (count, n))
            out.append(b"E" + struct.pack(">Q", n))
            return b"".join(out), ops
        op = "SDPA"[tag & 3]
        ops.add(op)
        if tag & 4:
            plen, pos = uv(data, pos)
            pred, pos = data[pos:pos + plen], pos + plen
        z, pos = uv(data, pos)
        ts = unzigzag(ts, z)
        p = b"" if op == "A" else pred
        out.append(op.encode() + struct.pack(">QH", ts, len(p)) + p)
        if op in "SD":
            z, pos = uv(data, pos)
            subj = unzigzag(subj, z)
            x, pos = uv(data, pos)
            kind = tag >> 3 & 3
            if kind == 1:
                obj = b"<0x%x>" % x
            elif kind == 2:
                obj = b'"%d"^^<xs:int>' % (-(x >> 1) - 1 if x & 1 else x >> 1)
            else:
                obj, pos = data[pos:pos + x], pos + x
            out.append(struct.pack(">QI", subj, len(obj)) + obj)
        n += 1


ops = set()
for m_path in glob.glob(os.path.join(dest, "cairn.*", "manifest.json")):
    m = json.load(open(m_path))
    for o in m["objects"]:
        path = os.path.join(os.path.dirname(m_path), o["path"])
        v1, kinds = v2_to_v1(gzip.decompress(open(path, "rb").read()))
        ops |= kinds
        stored = gzip.compress(v1, 6)  # one gzip stream, as before block indexes
        open(path, "wb").write(stored)
        o.update(size=len(stored), sha256=hashlib.sha256(stored).hexdigest())
        for k in ("block_size", "plain_size", "blocks"):
            o.pop(k, None)
    json.dump(m, open(m_path, "w"))
expect(ops == set("SDPA"), ops)

wd2 = workdir("restore-records-v1-restored")
zero2 = Zero(wd2)
out = restore(["-p", os.path.join(wd2, "restored"), "-l", dest, "-z", zero2.addr])
expect(out.returncode == 0, out.stderr)
alpha2 = Alpha(wd2, zero2, postings=os.path.join(wd2, "restored", "p1"))
expect(alpha2.export() == want, "the export restored from version 1 objects differs")
# --backup_num 1: the full backup alone.
out = restore(["-p", os.path.join(wd2, "at1"), "-l", dest, "--backup_num", "1", "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
zero3 = Zero(wd2, wal=os.path.join(wd2, "zw3"))
zero3.assign("timestamps", b[0]["read_ts"])
zero3.assign("uids", b[0]["max_uid"])
alpha3 = Alpha(wd2, zero3, postings=os.path.join(wd2, "at1", "p1"))
expect(alpha3.export() == want1, "the full backup restored from version 1 objects differs")
for p in (alpha3, zero3, alpha2, zero2):
    p.stop()
print("1 passed, 0 failed")
