"""A backup taken after a restore starts a new series, because an
incremental since the series' latest backup would not describe the restored
data. Online: backups #1 (data A) and #2 (A+B), then the restore mutation
back to #1, then writes C; the next backup to the same destination is a
full one of a new series, and restoring it gives exactly the live cluster
(A+C; an incremental on #2 would have restored A+B+C). Offline: `cairn
restore --backup_num 1` into a new cluster, writes D there, and its first
backup to the same destination is a full one too; zero's restore mark is
made once (an alpha restart does not start another series). A prepared
restore whose commit never comes is given up after
CAIRN_RESTORE_COMMIT_WAIT_S: writes are accepted again, its store removed."""
import json
import os
import time

from cairnlib import Alpha, Zero, expect, http, lit, lsbackup, restore, workdir

wd = workdir("backup-after-restore")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"),
           env={"CAIRN_RESTORE_COMMIT_WAIT_S": "2"})
lease = zero.assign("uids", 40)
u = list(range(lease["startId"], lease["endId"] + 1))


def newest():
    """The backup written last (folders are named by their UTC time)."""
    return max(lsbackup(dest), key=lambda x: x["path"])


def write(tag, n0, n1):
    a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (x, lit("%s%d" % (tag, x))) for x in u[n0:n1]))
    a2.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <friend> <0x%x> ." % (x, u[0]) for x in u[n0:n1]))


write("A", 0, 10)
a1.backup_ok(dest)
write("B", 10, 20)
a1.backup_ok(dest)
b = lsbackup(dest)
expect([x["backup_num"] for x in b] == [1, 2], b)
series1 = b[0]["backup_id"]

RESTORE = "mutation($in: RestoreInput!) { restore(input: $in) { code message } }"
st, out = a1.admin(RESTORE, {"in": {"location": dest, "backupNum": 1}})
expect(st == 200 and "errors" not in out, out)
write("C", 20, 30)
live1, live2 = a1.export(), a2.export()
a1.backup_ok(dest)
b = newest()
expect(b["type"] == "full" and b["backup_num"] == 1 and b["backup_id"] != series1, b)
log = a1.proc.output()
expect("this backup starts a new series" in log, log[-2000:])
out = restore(["-p", os.path.join(wd, "r1"), "-l", dest, "--backup_id", b["backup_id"], "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
zr = Zero(wd, wal=os.path.join(wd, "zr"))
r1 = Alpha(wd, zr, postings=os.path.join(wd, "r1", "p1"))
r2 = Alpha(wd, zr, postings=os.path.join(wd, "r1", "p2"))
expect(r1.export() == live1 and r2.export() == live2, "the new series does not restore the live cluster")
# The next backup after that full one is an incremental again.
write("E", 30, 32)
a1.backup_ok(dest)
b = newest()
expect(b["type"] == "incremental" and b["backup_num"] == 2, b)
for p in (r1, r2, zr):
    p.stop()

# Offline: the first series' first backup into a new cluster.
out = restore(["-p", os.path.join(wd, "r2"), "-l", dest, "--backup_id", series1, "--backup_num", "1",
               "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
z2 = Zero(wd, wal=os.path.join(wd, "z2"))
n1 = Alpha(wd, z2, postings=os.path.join(wd, "r2", "p1"))
n2 = Alpha(wd, z2, postings=os.path.join(wd, "r2", "p2"))
st2 = z2.state()
expect(st2["restoreTs"] > 0 and len(st2["epoch"]) == 16, st2)
marked = json.load(open(os.path.join(wd, "r2", "p1", "restore.json")))
expect(int(marked["marked_ts"]) > 0, marked)
n1.mutate("{ set { _:d <name> %s . } }" % lit("D"))
n1.backup_ok(dest)
b = newest()
expect(b["type"] == "full" and b["backup_num"] == 1, b)
man = json.load(open(os.path.join(dest, b["path"], "manifest.json")))
expect(man["cluster_epoch"] == st2["epoch"], (man, st2))
# A restart does not mark the restore again: the next backup is incremental.
n1.stop()
n1 = Alpha(wd, z2, postings=os.path.join(wd, "r2", "p1"))
expect(z2.state()["epoch"] == st2["epoch"])
n1.mutate("{ set { _:e <name> %s . } }" % lit("E"))
n1.backup_ok(dest)
b2 = newest()
expect(b2["type"] == "incremental" and b2["backup_num"] == 2 and b2["backup_id"] == b["backup_id"], b2)
for p in (n1, n2, z2):
    p.stop()

# A prepared restore whose coordinator never commits (called here by hand).
body = json.dumps({"id": "00112233445566aa", "location": dest})
st, out = http("POST", a2.url + "/internal/restore/prepare", body, a2.headers({"Content-Type": "application/json"}))
expect(st == 200, out)
fresh = os.path.join(wd, "p-a2.restore-00112233445566aa")
expect(os.path.isdir(fresh))
st, out = http("POST", a2.url + "/mutate?commitNow=true", "{ set { <0x%x> <friend> <0x%x> . } }" % (u[1], u[2]))
expect(st == 503 and b"a restore is in progress" in out, (st, out))
time.sleep(3)
before = a2.export()
out = a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (u[1], u[3]))
expect(not os.path.exists(fresh), "the prepared store was left behind")
expect("neither committed nor abandoned" in a2.proc.output())
expect(a2.export() != before and "<0x%x> <friend> <0x%x> ." % (u[1], u[3]) in a2.export())
for p in (a1, a2, zero):
    p.stop()
print("ok")
