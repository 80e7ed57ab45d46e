"""Block-compressed objects: a gzip backup's object is gzip members that
`gzip -d` reads, with a block index in the manifest, and restores through
the parallel decoder equal to the export; a zstd incremental continues the
gzip series (each manifest says its own compression) and restores; an
encrypted zstd backup restores and verifies with its key; a damaged block
whose manifest sha256 was fixed is refused naming the object; an object
without an index (as cairn wrote them before) still restores; an unknown
compression is refused."""
import glob
import gzip
import hashlib
import json
import os
import shutil
import subprocess

from cairnlib import Alpha, Model, Zero, lit, load_sample, lsbackup, note_secret, restore, run, workdir, PLUGIN_DIR, expect

wd = workdir("backup-blocks")
dest = os.path.join(wd, "backups")
plugin = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []
zero = Zero(wd)
postings = os.path.join(wd, "p")
alpha = Alpha(wd, zero, postings=postings, extra=["--compression_level", "9"])
model = Model()
uids = load_sample(alpha, model, n_people=600)
alpha.backup_ok(dest)
alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[1], lit("zstd person")))
alpha.backup_ok(dest, compression="zstd")
out = alpha.backup(dest, compression="lz4")
expect("errors" in out and "compression \"lz4\" is not supported" in out["errors"][0]["message"], out)
b = lsbackup(dest)
expect(len(b) == 2 and b[1]["type"] == "incremental", b)
want = alpha.export(b[1]["read_ts"])


def manifest(loc, i):
    return json.load(open(os.path.join(loc, b[i]["path"], "manifest.json")))


def obj_path(loc, i):
    return os.path.join(loc, b[i]["path"], manifest(loc, i)["objects"][0]["path"])


m0, m1 = manifest(dest, 0), manifest(dest, 1)
o0 = m0["objects"][0]
expect(m0["compression"] == "gzip" and m1["compression"] == "zstd", (m0, m1))
expect(o0["block_size"] == 2097152 and sum(o0["blocks"]) == o0["size"], o0)
# gzip -d reads the object; it holds plain_size bytes of records.
plain = subprocess.run(["gzip", "-dc", obj_path(dest, 0)], capture_output=True, check=True).stdout
expect(len(plain) == o0["plain_size"] and plain.startswith(b"CAIRNREC"), len(plain))
expect(open(obj_path(dest, 1), "rb").read(4) == b"\x28\xb5\x2f\xfd")  # a zstd frame


def restored_export(loc, name, read_ts, extra=()):
    t = os.path.join(wd, name)
    out = restore(["-p", t, "-l", loc, "--force_zero=false"] + list(extra))
    expect(out.returncode == 0, out.stderr)
    z = Zero(wd, wal=os.path.join(wd, name + "-zw"))
    z.assign("timestamps", read_ts)
    a = Alpha(wd, z, postings=os.path.join(t, "p1"), extra=list(extra))  # a key: encrypted at rest
    got = a.export()
    a.stop()
    z.stop()
    return got


# gzip full + zstd incremental, through the parallel decoder.
expect(restored_export(dest, "ok", b[1]["read_ts"]) == want)
v = run(["verify", "-l", dest] + plugin)
expect(v.returncode == 0, v.stdout + v.stderr)


def copy_with(name, edit):
    loc = os.path.join(wd, name)
    shutil.copytree(dest, loc)
    path, mf = obj_path(loc, 0), os.path.join(loc, b[0]["path"], "manifest.json")
    m = json.load(open(mf))
    data = edit(bytearray(open(path, "rb").read()), m["objects"][0])
    open(path, "wb").write(data)
    m["objects"][0].update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    json.dump(m, open(mf, "w"))
    return loc


# A damaged block whose sha256 and size the forger fixed: refused, naming the object.
def damage(data, o):
    data[o["blocks"][0] // 2] ^= 0x55
    return bytes(data)


loc = copy_with("damaged", damage)
out = restore(["-p", os.path.join(wd, "t-damaged"), "-l", loc, "--force_zero=false"])
expect(out.returncode != 0 and o0["path"] in out.stderr and "block 0" in out.stderr, out.stderr)
expect(not os.path.exists(os.path.join(wd, "t-damaged")))


# One gzip stream and no block index, as cairn wrote objects before: restores.
def old_format(data, o):
    for k in ("block_size", "plain_size", "blocks"):
        o.pop(k)
    return gzip.compress(gzip.decompress(bytes(data)), compresslevel=6, mtime=0)


loc = copy_with("old-format", old_format)
expect("blocks" not in manifest(loc, 0)["objects"][0])
expect(restored_export(loc, "old", b[1]["read_ts"]) == want)
alpha.stop()

# Encrypted zstd: restores and verifies with its key.
key = os.urandom(32)
note_secret(key)
note_secret(key.hex())
keyfile = os.path.join(wd, "backup.key")
open(keyfile, "wb").write(key)
enc_dest = os.path.join(wd, "enc")
enc = Alpha(wd, zero, postings=postings, extra=["--encryption_key_file", keyfile, "--at_rest=false"])
enc.backup_ok(enc_dest, compression="zstd")
eb = lsbackup(enc_dest)
em = json.load(open(os.path.join(enc_dest, eb[0]["path"], "manifest.json")))
expect(em["compression"] == "zstd" and em["encrypted"] is True and sum(em["objects"][0]["blocks"]) + 16 == em["objects"][0]["size"], em)
ewant = enc.export(eb[0]["read_ts"])
enc.stop()
expect(restored_export(enc_dest, "enc-ok", eb[0]["read_ts"], ["--encryption_key_file", keyfile]) == ewant)
v = run(["verify", "-l", enc_dest, "--encryption_key_file", keyfile] + plugin)
expect(v.returncode == 0, v.stdout + v.stderr)
zero.stop()
