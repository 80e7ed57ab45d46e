"""Restore checks before it writes: a missing middle backup, an edited
sha256, a missing object, another backup's object in its place, a truncated
object, a hostile manifest, a missing --zero, an existing target: each
refused with an error naming the problem, and the target directory left
untouched."""
import glob
import json
import os
import shutil

from cairnlib import Alpha, Model, Zero, lit, load_sample, lsbackup, restore, workdir, expect

wd = workdir("restore-refuses")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
model = Model()
uids = load_sample(alpha, model, n_people=300)
for i in range(3):
    alpha.backup_ok(dest)
    alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[i], lit("v%d" % i)))
alpha.stop()
zero.stop()
b = lsbackup(dest)
expect([x["backup_num"] for x in b] == [1, 2, 3])


def snapshot(d):
    out = {}
    for root, dirs, files in os.walk(d):
        for f in files + dirs:
            p = os.path.join(root, f)
            out[p] = os.path.getsize(p) if os.path.isfile(p) else "dir"
    return out


def refused(loc, want, extra=None):
    target = os.path.join(wd, "target")
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "keep.txt"), "w") as f:
        f.write("operator's file")
    before = snapshot(target)
    out = restore(["-p", target, "-l", loc, "--force_zero=false"] + (extra or []))
    expect(out.returncode != 0, out.stdout)
    err = out.stderr.strip().splitlines()
    expect(err and err[-1].startswith("error: "), out.stderr)
    expect(want in err[-1], (want, out.stderr))
    expect(snapshot(target) == before, "restore touched the target directory")
    return err[-1]


def copy_of(name):
    d = os.path.join(wd, name)
    shutil.copytree(dest, d)
    return d


# Missing middle backup.
d = copy_of("missing-middle")
shutil.rmtree(os.path.join(d, b[1]["path"]))
refused(d, "backup 2 of 3 is missing")

# Edited sha256 in a manifest.
d = copy_of("edited-sha")
mf = os.path.join(d, b[1]["path"], "manifest.json")
m = json.load(open(mf))
m["objects"][0]["sha256"] = "0" * 64
json.dump(m, open(mf, "w"))
refused(d, "%s/r%d-g1.backup does not match the sha256" % (b[1]["path"], b[1]["read_ts"]))

# Truncated object.
d = copy_of("truncated")
obj = glob.glob(os.path.join(d, b[2]["path"], "*.backup"))[0]
size = os.path.getsize(obj)
with open(obj, "r+b") as f:
    f.truncate(size // 2)
refused(d, "%s/%s is %d bytes but its manifest says %d" % (b[2]["path"], os.path.basename(obj), size // 2, size))

# Same size, flipped byte: the sha256 catches it.
d = copy_of("flipped")
obj = glob.glob(os.path.join(d, b[0]["path"], "*.backup"))[0]
with open(obj, "r+b") as f:
    f.seek(40)
    c = f.read(1)
    f.seek(40)
    f.write(bytes([c[0] ^ 0xFF]))
refused(d, "does not match the sha256")

# A missing object: named, with its backup and series.
d = copy_of("missing-object")
obj = glob.glob(os.path.join(d, b[1]["path"], "*.backup"))[0]
os.remove(obj)
refused(d, "object %s/%s is missing: backup 2 of series %s cannot be restored" %
        (b[1]["path"], os.path.basename(obj), b[1]["backup_id"]))

# Another backup's object under this one's name, its manifest entry edited
# to match (size, sha256, blocks): the object's own header disagrees.
d = copy_of("swapped")
objs = [glob.glob(os.path.join(d, b[i]["path"], "*.backup"))[0] for i in (0, 1)]
shutil.copyfile(objs[0], objs[1])
m0 = json.load(open(os.path.join(d, b[0]["path"], "manifest.json")))
mf = os.path.join(d, b[1]["path"], "manifest.json")
m = json.load(open(mf))
swapped = dict(m0["objects"][0])
for k in ("path", "commit_times"):  # this backup's own
    swapped.pop(k, None)
    if k in m["objects"][0]:
        swapped[k] = m["objects"][0][k]
m["objects"][0] = swapped
json.dump(m, open(mf, "w"))
refused(d, "says group 1 since 0 read_ts %d; its manifest disagrees" % b[0]["read_ts"])

# A hostile manifest pointing outside its folder.
d = copy_of("hostile")
mf = os.path.join(d, b[0]["path"], "manifest.json")
m = json.load(open(mf))
m["objects"][0]["path"] = "../../../etc/passwd"
json.dump(m, open(mf, "w"))
refused(d, "its full backup (1 of 3) is missing (1 folder(s) with an unreadable manifest were "
        "skipped, first %s)" % b[0]["path"])

# Not JSON at all, in the newest folder: the newest readable backup may not
# be the newest, so restore does not pick it by default.
d = copy_of("garbage")
open(os.path.join(d, b[2]["path"], "manifest.json"), "w").write("{\"format\": ")
refused(d, "the newest backup folder %s has an unreadable manifest" % b[2]["path"])

# Unknown series, backup_num beyond the series, no backups.
refused(dest, "no backup series with id \"nope\"", ["--backup_id", "nope"])
refused(dest, "there is no backup_num 9", ["--backup_num", "9"])
empty = os.path.join(wd, "empty")
os.makedirs(empty)
refused(empty, "no backups found")
refused("ftp://x/y", 'no storage plugin handles scheme "ftp" (have: azure, file')
refused("relative/dir", "absolute path")

# No --zero while force_zero is true: refused up front.
target = os.path.join(wd, "nozero")
out = restore(["-p", target, "-l", dest])
expect(out.returncode != 0 and "--force_zero=false" in out.stderr and "-z/--zero" in out.stderr, out.stderr)
expect(not os.path.exists(target))

# An existing p1 is never overwritten.
target = os.path.join(wd, "exists")
os.makedirs(os.path.join(target, "p1"))
open(os.path.join(target, "p1", "mine"), "w").write("x")
out = restore(["-p", target, "-l", dest, "--force_zero=false"])
expect(out.returncode != 0 and "p1 already exists" in out.stderr, out.stderr)
expect(os.listdir(os.path.join(target, "p1")) == ["mine"])

# And the untouched original still restores; a temporary left by a killed
# restore (its process gone) is cleaned up, one of a live process is not.
good = os.path.join(wd, "good")
os.makedirs(os.path.join(good, ".p1.restoring.999999999", "junk"))
os.makedirs(os.path.join(good, ".p1.restoring.%d" % os.getpid()))
out = restore(["-p", good, "-l", dest, "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
expect(sorted(x for x in os.listdir(good) if x.startswith(".")) == [".p1.restoring.%d" % os.getpid()], os.listdir(good))
print("1 passed, 0 failed")
