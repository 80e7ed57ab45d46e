"""A full backup and two incrementals (with overwrites, deletes and a
drop_attr between them) restore into a new cluster whose export equals the
original's at the last backup's read_ts byte for byte; --backup_num 2
restores the state at the second backup; new blank nodes on the restored
cluster get uids above the restored max uid; forceFull starts a new series."""
import os

from cairnlib import Alpha, Model, Zero, lit, load_sample, lsbackup, restore, workdir, expect

wd = workdir("backup-series")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
model = Model()
uids = load_sample(alpha, model)

alpha.backup_ok(dest)
b = lsbackup(dest)
expect(len(b) == 1 and b[0]["type"] == "full" and b[0]["backup_num"] == 1 and b[0]["since"] == 0, b)
series = b[0]["backup_id"]

# Between full and first incremental: overwrites, deletes, a drop_attr.
r = alpha.mutate("{ delete { %s } set { %s } }" % (
    " ".join("<0x%x> <name> * ." % u for u in uids[:50]),
    " ".join("<0x%x> <name> %s ." % (u, lit("Renamed %d" % u)) for u in uids[:50])))
model.record_mutation(r["extensions"]["txn"]["commit_ts"],
                      [(u, "name", lit("Renamed %d" % u)) for u in uids[:50]],
                      [(u, "name", "*") for u in uids[:50]])
r = alpha.mutate("{ delete { %s } }" % " ".join("<0x%x> <age> * ." % u for u in uids[100:150]))
model.record_mutation(r["extensions"]["txn"]["commit_ts"], [], [(u, "age", "*") for u in uids[100:150]])
r = alpha.alter({"drop_attr": "bio"})
model.record_drop(r["extensions"]["txn"]["commit_ts"], "bio")
r = alpha.mutate("{ set { <0x%x> <bio> %s . } }" % (uids[7], lit("after the drop")))
model.record_mutation(r["extensions"]["txn"]["commit_ts"], [(uids[7], "bio", lit("after the drop"))], [])
alpha.backup_ok(dest)

# More changes, second incremental.
r = alpha.mutate("{ set { _:n <name> %s . _:n <friend> <0x%x> . } delete { <0x%x> <friend> * . } }" % (
    lit("Newcomer"), uids[3], uids[9]))
n = int(r["data"]["uids"]["n"], 16)
model.record_mutation(r["extensions"]["txn"]["commit_ts"],
                      [(n, "name", lit("Newcomer")), (n, "friend", "<0x%x>" % uids[3])],
                      [(uids[9], "friend", "*")])
alpha.backup_ok(dest)

b = lsbackup(dest)
expect([x["backup_num"] for x in b] == [1, 2, 3], b)
expect([x["type"] for x in b] == ["full", "incremental", "incremental"], b)
expect(all(x["backup_id"] == series for x in b), b)
expect(b[1]["since"] == b[0]["read_ts"] and b[2]["since"] == b[1]["read_ts"], b)
expect(len(b[1]["groups"]["1"]) >= 3)
ts2, ts3 = b[1]["read_ts"], b[2]["read_ts"]
want3 = alpha.export(ts3)
want2 = alpha.export(ts2)
expect(want3 == Model.export_text(model.state_at(ts3)))
expect(want2 == Model.export_text(model.state_at(ts2)))
# The objects are plain gzip that a standard gzip -d reads.
import glob
import subprocess
obj = glob.glob(os.path.join(dest, "cairn.*", "r%d-g1.backup" % ts3))[0]
gz = subprocess.run(["gzip", "-dc", obj], capture_output=True)
expect(gz.returncode == 0 and gz.stdout.startswith(b"CAIRNREC"), gz.stderr)

# Restore the whole series into a new cluster.
wd2 = workdir("backup-series-restored")
zero2 = Zero(wd2)
out = restore(["-p", os.path.join(wd2, "restored"), "-l", dest, "-z", zero2.addr])
expect(out.returncode == 0, out.stderr)
expect("Restore version: %d" % ts3 in out.stdout, out.stdout)
max_uid = max(x["max_uid"] for x in b)
expect("Restore max uid: %d" % max_uid in out.stdout, out.stdout)
expect(open(os.path.join(wd2, "restored", "p1", "group_id")).read().strip() == "1")
st = zero2.state()
expect(st["maxTxnTs"] >= ts3 and st["maxUID"] >= max_uid, st)
alpha2 = Alpha(wd2, zero2, postings=os.path.join(wd2, "restored", "p1"))
got = alpha2.export()
expect(got == want3, "restored export differs from the original at read_ts %d" % ts3)
r = alpha2.mutate("{ set { _:x <name> %s . _:y <name> %s . } }" % (lit("x"), lit("y")))
expect(min(int(v, 16) for v in r["data"]["uids"].values()) > max_uid, (r, max_uid))
expect(r["extensions"]["txn"]["commit_ts"] > ts3)

# --backup_num 2 restores the state at the second backup.
out = restore(["-p", os.path.join(wd2, "at2"), "-l", dest, "--backup_num", "2", "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
expect("Restore version: %d" % ts2 in out.stdout)
expect("/assign?what=timestamps&num=%d" % ts2 in out.stdout, out.stdout)
zero3 = Zero(wd2, wal=os.path.join(wd2, "zw3"))
zero3.assign("timestamps", ts2)
zero3.assign("uids", max_uid)
alpha3 = Alpha(wd2, zero3, postings=os.path.join(wd2, "at2", "p1"))
expect(alpha3.export() == want2)
alpha3.stop()
zero3.stop()

# forceFull starts a new series with backup_num 1.
alpha.backup_ok(dest, force_full=True)
b = lsbackup(dest)
expect(b[-1]["type"] == "full" and b[-1]["backup_num"] == 1 and b[-1]["backup_id"] != series, b)
alpha.backup_ok(dest)
b = lsbackup(dest)
expect(b[-1]["backup_num"] == 2 and b[-1]["backup_id"] == b[-2]["backup_id"], b)
# --backup_id picks the old series.
out = restore(["-p", os.path.join(wd2, "old"), "-l", dest, "--backup_id", series, "--force_zero=false"])
expect(out.returncode == 0 and "Restore version: %d" % ts3 in out.stdout, out.stdout + out.stderr)

for p in (alpha2, zero2, alpha, zero):
    p.stop()
print("1 passed, 0 failed")
