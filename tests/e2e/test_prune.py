"""cairn prune on a local directory: four series (2, 2, 1 and 3 backups);
--dry_run lists the two oldest series and removes nothing; --keep_series 2
removes exactly those two, whole, and the two kept series still restore
(each equal to the original export at its last read_ts); folders without a
manifest (one in progress, one interrupted) are never touched;
--keep_days removes a series whose newest backup is older than D days but
never the newest series; bad flag values are refused."""
import os
import shutil

from cairnlib import Alpha, Zero, lit, load_sample, lsbackup, restore, run, workdir, expect, Model, PLUGIN_DIR

wd = workdir("prune")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
model = Model()
uids = load_sample(alpha, model, n_people=200)
step = [0]


def change():
    step[0] += 1
    alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[step[0]], lit("step %d" % step[0])))


def series(sizes):
    for n in sizes:
        for k in range(n):
            change()
            alpha.backup_ok(dest, force_full=(k == 0))


series([2, 2, 1, 3])
b = lsbackup(dest)
ids = []
for x in b:
    if x["backup_id"] not in ids:
        ids.append(x["backup_id"])
expect(len(ids) == 4 and len(b) == 8, b)
last_of = {i: max((x for x in b if x["backup_id"] == i), key=lambda x: x["backup_num"]) for i in ids}
want = {i: alpha.export(last_of[i]["read_ts"]) for i in ids[2:]}

# A backup in progress (newer than everything) and an interrupted one (old):
# folders without manifest.json.
inprog = os.path.join(dest, "cairn.29991231.235959.000")
interrupted = os.path.join(dest, "cairn.20000101.000000.000")
for d, obj in ((inprog, "backup.started"), (interrupted, "r5-g1.backup")):
    os.makedirs(d)
    open(os.path.join(d, obj), "wb").write(b"partial")


def tree():
    out = []
    for root, _, files in os.walk(dest):
        out += [os.path.join(root, f) for f in files]
    return sorted(out)


def prune(args):
    return run(["prune", "-l", dest] + args + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))


# Dry run: the two oldest series listed, nothing removed.
before = tree()
p = prune(["--keep_series", "2", "--dry_run"])
expect(p.returncode == 0, p.stderr)
lines = p.stdout.splitlines()
for i in ids[:2]:
    expect(any(l.startswith("would remove") and i in l for l in lines), (i, p.stdout))
for i in ids[2:]:
    expect(any(l.startswith("kept") and i in l for l in lines), (i, p.stdout))
expect(tree() == before, "a dry run removed something")

# The real thing.
p = prune(["--keep_series", "2"])
expect(p.returncode == 0, p.stderr)
lines = p.stdout.splitlines()
for i in ids[:2]:
    expect(sum(1 for l in lines if l.startswith("removed") and i in l) == 1, (i, p.stdout))
for i in ids[2:]:
    expect(any(l.startswith("kept") and i in l for l in lines), (i, p.stdout))
expect(sum(1 for l in lines if l.startswith("untouched")) == 2, p.stdout)
left = lsbackup(dest)
expect(sorted(x["path"] for x in left) == sorted(x["path"] for x in b if x["backup_id"] in ids[2:]), left)
for x in b:
    if x["backup_id"] in ids[:2]:
        expect(not os.path.exists(os.path.join(dest, x["path"])), x["path"])
expect(open(os.path.join(inprog, "backup.started"), "rb").read() == b"partial")
expect(open(os.path.join(interrupted, "r5-g1.backup"), "rb").read() == b"partial")

# The kept series restore whole: the chain is intact.
for i in ids[2:]:
    out_dir = os.path.join(wd, "r-" + i)
    r = restore(["-p", out_dir, "-l", dest, "--backup_id", i, "--force_zero=false"])
    expect(r.returncode == 0, (i, r.stderr))
    z = Zero(wd, wal=os.path.join(wd, "zw-" + i))
    z.assign("timestamps", last_of[i]["read_ts"])
    a = Alpha(wd, z, postings=os.path.join(out_dir, "p1"))
    expect(a.export() == want[i], "series %s restored differently after prune" % i)
    a.stop()
    z.stop()

# --keep_days: the older kept series, its folders renamed to look 2020-old,
# goes; the newest series stays however old the limit.
old = ids[2]
for k, x in enumerate(sorted((x for x in left if x["backup_id"] == old), key=lambda x: x["backup_num"])):
    shutil.move(os.path.join(dest, x["path"]), os.path.join(dest, "cairn.20200101.00000%d.000" % k))
p = prune(["--keep_days", "30"])
expect(p.returncode == 0, p.stderr)
expect(any(l.startswith("removed") and old in l for l in p.stdout.splitlines()), p.stdout)
expect([x["backup_id"] for x in lsbackup(dest)] == [ids[3]] * 3)
p = prune(["--keep_days", "0", "--keep_series", "1"])
expect(p.returncode == 0 and "removed" not in p.stdout, (p.stdout, p.stderr))
expect(len(lsbackup(dest)) == 3)
expect(os.path.exists(inprog) and os.path.exists(interrupted))

# Refused: no policy, keep_series 0, keep_days over 1000 years, a bad
# dry_run.
p = prune([])
expect(p.returncode != 0 and "give --keep_series" in p.stderr, p.stderr)
p = prune(["--keep_series", "0"])
expect(p.returncode != 0 and "at least 1" in p.stderr, p.stderr)
p = prune(["--keep_days", "400000"])
expect(p.returncode != 0 and "--keep_days 400000 is more than 1000 years" in p.stderr, p.stderr)
p = prune(["--keep_series", "1", "--dry_run=maybe"])
expect(p.returncode != 0 and "dry_run" in p.stderr and "true or false" in p.stderr, p.stderr)
expect(len(lsbackup(dest)) == 3)
# A folder with an unreadable manifest may belong to any series: nothing goes.
bad = os.path.join(dest, "cairn.20200101.000009.000")
os.makedirs(bad)
open(os.path.join(bad, "manifest.json"), "w").write("{not json")
p = prune(["--keep_series", "1"])
expect(p.returncode != 0 and "1 backup folder(s) have an unreadable manifest (first cairn.20200101.000009.000)"
       in p.stderr and "prune removes nothing" in p.stderr, p.stderr)
shutil.rmtree(bad)
expect(len(lsbackup(dest)) == 3)
print("ok")
