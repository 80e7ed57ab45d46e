"""manifest.json is trusted only as far as it can be checked. An encrypted
backup's manifest carries an HMAC over every field restore uses: lowering
max_uid, changing read_ts (and the object path with it), a predicate name, a
drop or an object's size by hand makes restore and verify refuse it as
tampered, and restore writes nothing; removing the MAC is refused too, and
no incremental backup is chained onto a tampered manifest. A
plain manifest is checked against its objects: a lowered max_uid or a wrong
record count is refused, and values above 2^53 are kept exactly."""
import json
import os
import shutil

from cairnlib import Alpha, Model, Zero, load_sample, lit, lsbackup, note_secret, restore, run, workdir, PLUGIN_DIR, expect

wd = workdir("manifest-tamper")
key = os.urandom(32)
note_secret(key)
note_secret(key.hex())
keyfile = os.path.join(wd, "backup.key")
open(keyfile, "wb").write(key)
plugins = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []

zero = Zero(wd)
enc_dest = os.path.join(wd, "enc")
plain_dest = os.path.join(wd, "plain")
alpha = Alpha(wd, zero, postings=os.path.join(wd, "p"), extra=["--encryption_key_file", keyfile])
uids = load_sample(alpha, Model(), n_people=200)
alpha.backup_ok(enc_dest)
alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[3], lit("renamed")))
alpha.alter({"drop_attr": "bio"})
alpha.backup_ok(enc_dest)
alpha.stop()
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
plain = Alpha(wd, zero2, postings=os.path.join(wd, "p2"))
load_sample(plain, Model(), n_people=50, seed=2)
plain.backup_ok(plain_dest)
plain.stop()
enc = lsbackup(enc_dest)
expect([b["type"] for b in enc] == ["full", "incremental"], enc)
pl = lsbackup(plain_dest)


def copy_of(src, name):
    d = os.path.join(wd, name)
    shutil.copytree(src, d)
    return d


def manifest_path(loc, b):
    return os.path.join(loc, b["path"], "manifest.json")


def edited(src, b, name, change):
    """A copy of the location whose manifest for backup b went through change(m, folder)."""
    loc = copy_of(src, name)
    mf = manifest_path(loc, b)
    m = json.load(open(mf))
    change(m, os.path.join(loc, b["path"]))
    json.dump(m, open(mf, "w"), indent=1)
    return loc


def refused(loc, want, key_args):
    t = os.path.join(wd, "target-" + os.path.basename(loc))
    os.makedirs(t)
    out = restore(["-p", t, "-l", loc, "--force_zero=false"] + key_args)
    last = (out.stderr.strip().splitlines() or [""])[-1]
    # The reason is the error line, or (a manifest that does not parse is
    # skipped by name, one bad manifest blocking no other) the warning before it.
    expect(out.returncode != 0 and last.startswith("error: ") and want in out.stderr,
           (loc, want, out.stdout, out.stderr))
    expect(os.listdir(t) == [], "restore wrote into %s" % t)
    v = run(["verify", "-l", loc] + key_args + plugins)
    expect(v.returncode != 0 and want in v.stderr, (loc, want, v.stdout, v.stderr))
    return last


KEY = ["--encryption_key_file", keyfile]
TAMPERED = "fails its MAC check: it was changed after the backup"


def lower_max_uid(m, folder):
    expect(m["max_uid"] > 10, m)
    m["max_uid"] = 10


def move_read_ts(m, folder):
    # As a forger would: read_ts, the object path and the file name together.
    old = m["objects"][0]["path"]
    m["read_ts"] += 1
    new = "r%d-g1.backup" % m["read_ts"]
    os.rename(os.path.join(folder, old), os.path.join(folder, new))
    m["objects"][0]["path"] = new


def rename_predicate(m, folder):
    preds = m["groups"]["1"]
    expect("name" in preds, preds)
    preds[preds.index("name")] = "nam"


def change_size(m, folder):
    o = m["objects"][0]
    o["size"] += 1
    o["blocks"][-1] += 1  # as a forger would: the block index still adds up


def change_block_index(m, folder):
    # Consistent (same sum) but not what was written: only the MAC tells.
    o = m["objects"][0]
    o["plain_size"] += 1 if o["plain_size"] % o["block_size"] else 0


def drop_a_drop(m, folder):
    expect(len(m["drop_operations"]) == 1, m)
    m["drop_operations"] = []


cases = [
    ("max_uid", enc[1], lower_max_uid),
    ("max_uid_full", enc[0], lower_max_uid),
    ("read_ts", enc[1], move_read_ts),
    ("predicate", enc[1], rename_predicate),
    ("size", enc[0], change_size),
    ("block_index", enc[0], change_block_index),
    ("drops", enc[1], drop_a_drop),
]
for name, b, change in cases:
    msg = refused(edited(enc_dest, b, "enc-" + name, change), TAMPERED, KEY)
    expect(b["path"] in msg, msg)

# The untouched copy still restores; key order and spacing are not sealed.
loc = edited(enc_dest, enc[1], "enc-reordered", lambda m, f: m.update(dict(reversed(list(m.items())))))
t = os.path.join(wd, "ok")
out = restore(["-p", t, "-l", loc, "--force_zero=false"] + KEY)
expect(out.returncode == 0, out.stderr)

# Removing the MAC (what a manifest written before it looks like) is refused.
refused(edited(enc_dest, enc[0], "enc-nomac", lambda m, f: m.pop("manifest_hmac")), "has no manifest_hmac", KEY)
# Claiming the backup is not encrypted: that manifest is refused before
# anything is read (and, one bad manifest blocking no other, skipped by name).
ls = run(["lsbackup", "-l", edited(enc_dest, enc[0], "enc-plain", lambda m, f: m.update(encrypted=False)), "--json"]
         + plugins)
expect("was \"encrypted\" changed" in ls.stderr and "skipping backup folder " + enc[0]["path"] in ls.stderr,
       ls.stderr)
expect(ls.returncode == 0 and enc[0]["path"] not in [b["path"] for b in json.loads(ls.stdout)], ls.stdout)
# Without the key nothing can check the MAC, and both commands say so.
ls = run(["lsbackup", "-l", enc_dest] + plugins)
expect(ls.returncode == 0 and "MACs cannot be checked" in ls.stdout, ls.stdout)
v = run(["verify", "-l", os.path.join(wd, "enc-max_uid")] + plugins)
expect(v.returncode == 0 and "give the key to check MACs" in v.stdout, v.stdout + v.stderr)

# An incremental is never chained onto a tampered manifest.
alpha = Alpha(wd, zero, postings=os.path.join(wd, "p"), extra=["--encryption_key_file", keyfile])
out = alpha.backup(os.path.join(wd, "enc-predicate"))
expect("errors" in out and TAMPERED in out["errors"][0]["message"], out)
alpha.backup_ok(os.path.join(wd, "enc-predicate"), force_full=True)
alpha.stop()

# Plain: a lowered max_uid disagrees with the uids in the objects.
msg = refused(edited(plain_dest, pl[0], "plain-max_uid", lower_max_uid), "but its manifest's max_uid is 10", [])
msg = refused(edited(plain_dest, pl[0], "plain-records", lambda m, f: m["objects"][0].update(records=m["objects"][0]["records"] - 1)),
              "records but its manifest says", [])
refused(edited(plain_dest, pl[0], "plain-groups", lambda m, f: m["groups"].update({"2": []})), "each group has exactly one object", [])

# Values above 2^53 are kept exactly: a plain manifest's max_uid raised past it.
big = 2**53 + 1
loc = edited(plain_dest, pl[0], "plain-big", lambda m, f: m.update(max_uid=str(big)))
out = restore(["-p", os.path.join(wd, "big"), "-l", loc, "--force_zero=false"])
expect(out.returncode == 0 and ("Restore max uid: %d" % big) in out.stdout, out.stdout + out.stderr)
expect(lsbackup(loc)[0]["max_uid"] == str(big), lsbackup(loc))
zero.stop()
zero2.stop()
print("1 passed, 0 failed")
