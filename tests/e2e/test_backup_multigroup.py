"""A two-group cluster: each alpha serves its own predicates; a backup asked
of either alpha writes one object per group into one folder with one
manifest; incrementals cover both groups; one backup runs at a time across
the cluster; restore rebuilds p1 and p2 and alphas started on them export
what the originals held; a group whose alpha is down fails the backup,
naming the group, with no manifest."""
import os
import signal
import threading
import time

from cairnlib import Alpha, Zero, http, lit, lsbackup, restore, workdir, expect

wd = workdir("multigroup")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
expect(open(os.path.join(wd, "p-a1", "group_id")).read().strip() == "1")
expect(open(os.path.join(wd, "p-a2", "group_id")).read().strip() == "2")
lease = zero.assign("uids", 500)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <name> %s .\n<0x%x> <age> %s ." % (u, lit("P%d" % u), u, lit(str(u % 70), typ="xs:int")) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 13) % len(people)]) for i, u in enumerate(people)))
# A predicate belongs to one group: the other alpha refuses it.
st, body = http("POST", a1.url + "/mutate?commitNow=true", "{ set { <0x%x> <friend> <0x%x> . } }" % (people[0], people[1]))
expect(st == 400 and b"served by group 2" in body, body)
groups = zero.state()["groups"]
expect(sorted(groups["1"]["predicates"]) == ["age", "name"] and groups["2"]["predicates"] == ["friend"], groups)

a1.backup_ok(dest)
b = lsbackup(dest)
expect(len(b) == 1 and sorted(b[0]["groups"]) == ["1", "2"], b)
folder = os.path.join(dest, b[0]["path"])
expect(sorted(os.listdir(folder)) == ["manifest.json", "r%d-g1.backup" % b[0]["read_ts"], "r%d-g2.backup" % b[0]["read_ts"]])

a1.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . } }" % (people[0], people[0], lit("renamed")))
a2.mutate("{ delete { <0x%x> <friend> * . } }" % people[1])
a2.alter({"drop_attr": "friend"})
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[2], people[3]))
a2.backup_ok(dest)  # any alpha can coordinate
b = lsbackup(dest)
expect(b[1]["type"] == "incremental" and b[1]["backup_num"] == 2 and sorted(b[1]["groups"]) == ["1", "2"], b)
ts = b[1]["read_ts"]
want1, want2 = a1.export(ts), a2.export(ts)
expect("renamed" in want1 and want2.count("\n") == 1, want2)

# One backup at a time across the cluster. Both alphas restart on new
# addresses first: zero's membership keeps the old ones, and the backup must
# still find each group's running alpha.
a2.stop()
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
a1.stop()
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "3000"})
res = {}
t = threading.Thread(target=lambda: res.setdefault("r", a1.backup(dest)))
t.start()
time.sleep(1.0)
other = a2.backup(dest)
t.join()
expect("errors" not in res["r"], res)
expect("already running on this cluster" in other["errors"][0]["message"], other)
expect(len(lsbackup(dest)) == 3)

# Restore both groups.
out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--backup_num", "2", "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
expect("Restored group 1" in out.stdout and "Restored group 2" in out.stdout, out.stdout)
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
zero2.assign("timestamps", ts)
r1 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p1"))
r2 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p2"))
expect(r1.export() == want1 and r2.export() == want2)
for p in (r1, r2, zero2):
    p.stop()

# A group whose alpha is down: the backup fails naming it, no manifest.
a2.stop(signal.SIGKILL)
n = len(lsbackup(dest))
out = a1.backup(dest)
msg = out["errors"][0]["message"]
expect("group 2" in msg, msg)
expect(len(lsbackup(dest)) == n)
a1.stop()
zero.stop()
print("1 passed, 0 failed")
