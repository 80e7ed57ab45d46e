"""Point-in-time restore on two groups: mutations, a drop_attr and a drop_all
with a full backup and incrementals in between; `cairn restore --to_ts T`
into a new cluster, for T before and after each drop, in the middle of an
incremental and exactly at a backup's read_ts, gives in both groups the
export the original gave at /export?read_ts=T, byte for byte; zero is
moved past T and past the highest uid present at T (new uids above it); a
T outside every series is refused naming the restorable ranges; lsbackup
shows the range."""
import json
from datetime import datetime, timezone
import os
import shutil
import time
import re

from cairnlib import Alpha, Zero, expect, lit, lsbackup, restore, run, PLUGIN_DIR, workdir


def commit_times(entry):
    """A manifest object's commit_times as [(ts, unix ms)]."""
    out, ts, ms = [], 0, 0
    for pair in filter(None, entry.get("commit_times", "").split(",")):
        dts, dms = pair.split(":")
        ts, ms = ts + int(dts), ms + int(dms)
        out.append((ts, ms))
    return out

wd = workdir("restore-pitr")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))


def ts_of(out):
    return out["extensions"]["txn"]["commit_ts"]


def blank(out, name):
    return int(out["data"]["uids"][name], 16)


lease = zero.assign("uids", 40)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <name> %s .\n<0x%x> <age> %s ." % (u, lit("P%d" % u), u, lit(str(u % 70), typ="xs:int"))
    for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 7) % len(people)]) for i, u in enumerate(people)))
a1.backup_ok(dest)  # 1: full
r1 = lsbackup(dest)[-1]["read_ts"]

t_a = ts_of(a1.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . } }"
                      % (people[0], people[0], lit("renamed"))))
t_b = ts_of(a2.mutate("{ delete { <0x%x> <friend> * . } }" % people[1]))
a2.backup_ok(dest)  # 2: incremental
r2 = lsbackup(dest)[-1]["read_ts"]

out = a1.mutate("{ set { _:n <name> %s . <0x%x> <age> %s . } }" % (lit("newcomer"), people[2], lit("99", typ="xs:int")))
t_c, uid_c = ts_of(out), blank(out, "n")
t_c2 = ts_of(a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[3], uid_c)))
t_drop_attr = ts_of(a2.alter({"drop_attr": "friend"}))
t_d = ts_of(a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[4], people[5])))
out = a1.mutate("{ set { _:m <name> %s . } }" % lit("late"))
t_e, uid_e = ts_of(out), blank(out, "m")
time.sleep(1.05)  # a whole second between t_e and the drop_all, for --to_time
t_drop_all = ts_of(a1.alter({"drop_all": True}))
t_f = ts_of(a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[6], lit("after the drop"))))
a1.backup_ok(dest)  # 3: incremental
b = lsbackup(dest)
r3 = b[-1]["read_ts"]
expect([x["type"] for x in b] == ["full", "incremental", "incremental"], b)
expect(all(x["series_from_ts"] == r1 and x["series_to_ts"] == r3 for x in b), b)
# A drop_all commits in each group at its own ts: group 1's first (the
# alpha asked), then the others'.
man = json.load(open(os.path.join(dest, b[-1]["path"], "manifest.json")))
alls = sorted(d["ts"] for d in man["drop_operations"] if d["op"] == "drop_all")
expect(len(alls) == 2 and alls[0] == t_drop_all, (alls, t_drop_all))
t_drop_all2 = alls[1]
expect(r1 < t_a < t_b <= r2 < t_c < t_drop_attr < t_e < t_drop_all < t_drop_all2 < t_f <= r3, (r1, t_a, t_b, r2, t_c, t_drop_attr, t_e, t_drop_all, t_f, r3))
# A write after the last backup: not restorable.
a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[7], lit("unsaved")))

p = run(["lsbackup", "-l", dest] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
expect(p.returncode == 0 and re.search(r"^%s\s+3\s+%d\.\.%d\s" % (b[0]["backup_id"], r1, r3), p.stdout, re.M),
       p.stdout)

# Each T: the state the original had; the uids present at T, the most of them.
points = [
    ("the full backup's read_ts", r1, people[-1]),
    ("in the middle of incremental 2", t_a, people[-1]),
    ("incremental 2's read_ts", r2, people[-1]),
    ("after a new uid, in incremental 3", t_c2, uid_c),
    ("just before the drop_attr", t_drop_attr - 1, uid_c),
    ("at the drop_attr", t_drop_attr, uid_c),
    ("just before the drop_all", t_drop_all - 1, uid_e),
    ("at the drop_all in group 1", t_drop_all, uid_e),
    ("after the drop_all in both groups", t_drop_all2, uid_e),
    ("the last read_ts", r3, uid_e),
]
for i, (what, t, top) in enumerate(points):
    want1, want2 = a1.export(t), a2.export(t)
    z = Zero(wd, wal=os.path.join(wd, "zw-%d" % i))
    pdir = os.path.join(wd, "restored-%d" % i)
    out = restore(["-p", pdir, "-l", dest, "--to_ts", str(t), "-z", z.addr])
    expect(out.returncode == 0, (what, out.stderr))
    expect("Restore version: %d\n" % t in out.stdout, (what, out.stdout))
    m = re.search(r"^Restore max uid: (\d+)$", out.stdout, re.M)
    expect(m and int(m.group(1)) == top, (what, top, out.stdout))
    expect(z.state()["maxUID"] >= top, (what, z.state()))
    n1 = Alpha(wd, z, postings=os.path.join(pdir, "p1"))
    n2 = Alpha(wd, z, postings=os.path.join(pdir, "p2"))
    expect(n1.export() == want1, "%s (ts %d): group 1 differs" % (what, t))
    expect(n2.export() == want2, "%s (ts %d): group 2 differs" % (what, t))
    out = n1.mutate("{ set { _:x <name> %s . } }" % lit("new"))
    expect(blank(out, "x") > top and ts_of(out) > t, (what, out, top))
    for proc in (n1, n2, z):
        proc.stop()

# Just before the drop_all everything is back: both groups hold data.
expect(a1.export(t_drop_all - 1) and a2.export(t_drop_all - 1) and not a1.export(t_drop_all2)
       and not a2.export(t_drop_all2))

# --to_time: the last commit at or before a UTC time, by the commit times
# the backups record. The drop_all came over a second after t_e: the whole
# second before it maps to t_e.
g1 = [o for o in man["objects"] if o["group"] == 1][0]
ms_drop = dict(commit_times(g1))[t_drop_all]
expect(dict(commit_times(g1))[t_e] <= ms_drop - 1050, commit_times(g1))
when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime((ms_drop - 1) // 1000))
pdir = os.path.join(wd, "restored-time")
z = Zero(wd, wal=os.path.join(wd, "zw-time"))
out = restore(["-p", pdir, "-l", dest, "--to_time", when, "-z", z.addr])
expect(out.returncode == 0 and "%s is ts %d:" % (when, t_e) in out.stdout and
       "Restore version: %d\n" % t_e in out.stdout, (when, t_e, out.stdout, out.stderr))
n1 = Alpha(wd, z, postings=os.path.join(pdir, "p1"))
n2 = Alpha(wd, z, postings=os.path.join(pdir, "p2"))
expect(n1.export() == a1.export(t_e) and n2.export() == a2.export(t_e), "--to_time: the exports differ")
for proc in (n1, n2, z):
    proc.stop()
def ms_of(text):
    return round(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)


# lsbackup's time range: from the full's snapshot to the last recorded commit.
last_commit = max(ms for x in b for o in json.load(open(os.path.join(dest, x["path"], "manifest.json")))["objects"]
                  for _, ms in commit_times(o))
expect(ms_of(b[0]["series_from_time"]) <= (ms_drop - 1) // 1000 * 1000 and
       ms_of(b[0]["series_to_time"]) == last_commit, (b[0], last_commit))
out = restore(["-p", os.path.join(wd, "refused"), "-l", dest, "--to_time", "2001-01-01T00:00:00Z",
               "--force_zero=false"])
expect(out.returncode != 0 and "no backup series can be restored to 2001-01-01T00:00:00.000Z" in out.stderr and
       "(ts %d..%d)" % (r1, r3) in out.stderr, out.stderr)
out = restore(["-p", os.path.join(wd, "refused"), "-l", dest, "--to_time", "2026-11-30 14:01", "--force_zero=false"])
expect(out.returncode != 0 and "RFC 3339" in out.stderr, out.stderr)
# Backups written before commit times (their manifests without them): --to_time
# says so and gives the ts range; lsbackup shows no times; --to_ts still works.
old = os.path.join(wd, "old-backups")
shutil.copytree(dest, old)
for x in b:
    path = os.path.join(old, x["path"], "manifest.json")
    m = json.load(open(path))
    for o in m["objects"]:
        o.pop("commit_times", None)
    json.dump(m, open(path, "w"))
out = restore(["-p", os.path.join(wd, "refused"), "-l", old, "--to_time", when, "--force_zero=false"])
expect(out.returncode != 0 and "lack commit times" in out.stderr and "(ts %d..%d)" % (r1, r3) in out.stderr,
       out.stderr)
expect("series_from_time" not in lsbackup(old)[0], lsbackup(old))
out = restore(["-p", os.path.join(wd, "old-restored"), "-l", old, "--to_ts", str(t_e), "--force_zero=false"])
expect(out.returncode == 0 and "Restore version: %d\n" % t_e in out.stdout, out.stderr)

# Outside every series: refused, naming the range.
for t in (r1 - 1, r3 + 1):
    out = restore(["-p", os.path.join(wd, "refused"), "-l", dest, "--to_ts", str(t), "--force_zero=false"])
    expect(out.returncode != 0 and "%s: %d..%d" % (b[0]["backup_id"], r1, r3) in out.stderr, out.stderr)
    expect(not os.path.exists(os.path.join(wd, "refused")))
out = restore(["-p", os.path.join(wd, "refused"), "-l", dest, "--to_ts", str(r2), "--backup_num", "2",
               "--force_zero=false"])
expect(out.returncode != 0 and "not both" in out.stderr, out.stderr)

for proc in (a1, a2, zero):
    proc.stop()
print("1 passed, 0 failed")
