"""One unreadable manifest blocks nothing else at the location: lsbackup,
verify, restore and new backups report it (one warning naming the folder and
why), skip it and go on with every other series; no backup ever writes into
that folder or removes it. An unreadable manifest in a folder newer than
every readable backup may be its series' newest backup: the next backup then
starts a new full series instead of forking that one, and restore without
--backup_id refuses to guess."""
import json
import os

from cairnlib import PLUGIN_DIR, Alpha, Model, Zero, lit, load_sample, lsbackup, restore, run, workdir, expect

wd = workdir("unreadable-manifest")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
uids = load_sample(alpha, Model(), n_people=100)
plugin = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []


def change(i):
    alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[i], lit("v%d" % i)))


alpha.backup_ok(dest)
change(0)
alpha.backup_ok(dest)
change(1)
alpha.backup_ok(dest, force_full=True)
b = lsbackup(dest)
s1, s2 = b[0]["backup_id"], b[2]["backup_id"]
expect([(x["backup_id"], x["backup_num"]) for x in b] == [(s1, 1), (s1, 2), (s2, 1)], b)


def damage(folder):
    path = os.path.join(dest, folder, "manifest.json")
    open(path, "w").write('{"format": ')
    return path


def warned(text, folder):
    lines = [l for l in text.splitlines() if "skipping backup folder %s" % folder in l]
    expect(len(lines) == 1 and "not a JSON object" in lines[0], text)


# S1's second backup is damaged; S2 is newer.
bad1 = b[1]["path"]
bad1_manifest = damage(bad1)
p = run(["lsbackup", "-l", dest, "--json"] + plugin)
expect(p.returncode == 0, p.stderr)
warned(p.stderr, bad1)
listed = json.loads(p.stdout)
expect([x["path"] for x in listed] == [b[0]["path"], b[2]["path"]], listed)

v = run(["verify", "-l", dest, "--backup_id", s2] + plugin)
expect(v.returncode == 0 and "series %s: 1 backup(s)" % s2 in v.stdout, v.stdout + v.stderr)
v = run(["verify", "-l", dest] + plugin)
expect("series %s: 1 backup(s)" % s1 in v.stdout and "series %s: 1 backup(s)" % s2 in v.stdout, v.stdout)
expect(v.returncode != 0 and "1 backup folder(s) have an unreadable manifest (first %s)" % bad1 in v.stderr, v.stderr)
warned(v.stderr, bad1)

r = restore(["-p", os.path.join(wd, "r-s2"), "-l", dest, "--force_zero=false"])
expect(r.returncode == 0 and "Restoring series %s" % s2 in r.stdout, r.stdout + r.stderr)
warned(r.stderr, bad1)

# The next backup extends S2 (the damaged folder is older), writes nothing
# into the damaged folder and does not remove it.
change(2)
alpha.backup_ok(dest)
b = lsbackup(dest)
expect((b[-1]["backup_id"], b[-1]["backup_num"], b[-1]["type"]) == (s2, 2, "incremental"), b)
expect(open(bad1_manifest).read() == '{"format": ' and len(os.listdir(os.path.join(dest, bad1))) == 2,
       os.listdir(os.path.join(dest, bad1)))

# Now S2's newest backup is damaged: the next backup starts a new series.
bad2 = b[-1]["path"]
damage(bad2)
change(3)
alpha.backup_ok(dest)
b = lsbackup(dest)
expect(b[-1]["type"] == "full" and b[-1]["backup_num"] == 1 and b[-1]["backup_id"] not in (s1, s2), b)
expect("the newest backup folder %s has an unreadable manifest" % bad2 in alpha.proc.output())
expect(os.path.exists(os.path.join(dest, bad2, "manifest.json")))

# With the damaged folder the newest, restore will not pick a series by itself.
damage(b[-1]["path"])
r = restore(["-p", os.path.join(wd, "r-default"), "-l", dest, "--force_zero=false"])
expect(r.returncode != 0 and "the newest backup folder %s has an unreadable manifest" % b[-1]["path"] in r.stderr,
       r.stderr)
r = restore(["-p", os.path.join(wd, "r-s1"), "-l", dest, "--force_zero=false", "--backup_id", s1])
expect(r.returncode == 0, r.stderr)

alpha.stop()
zero.stop()
print("1 passed, 0 failed")
