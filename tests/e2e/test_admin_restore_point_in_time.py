"""The restore mutation with toTs on a running two-group cluster: after a full
backup and an incremental holding writes, a drop_attr and a drop_all,
restoring to a commit in the middle of the incremental, to just before the
drop_all and to the incremental's read_ts gives in both groups the export
the cluster gave at /export?read_ts=T; the answer names T and the highest
uid present at T; new writes get timestamps above everything; a toTs
outside the series is refused naming its range, nothing changed."""
import json
import os
import time
import re

from cairnlib import Alpha, Zero, expect, lit, lsbackup, workdir

wd = workdir("admin-restore-pitr")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))


def ts_of(out):
    return out["extensions"]["txn"]["commit_ts"]


lease = zero.assign("uids", 30)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 7) % len(people)]) for i, u in enumerate(people)))
a1.backup_ok(dest)
r1 = lsbackup(dest)[-1]["read_ts"]
out = a1.mutate("{ delete { <0x%x> <name> * . } set { _:n <name> %s . } }" % (people[0], lit("newcomer")))
t_a, uid_a = ts_of(out), int(out["data"]["uids"]["n"], 16)
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[1], uid_a))
t_drop_attr = ts_of(a2.alter({"drop_attr": "friend"}))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[2], people[3]))
t_before = ts_of(a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[6], people[7])))
time.sleep(0.05)  # the drop_all's commit time is past t_before's
t_drop_all = ts_of(a1.alter({"drop_all": True}))
a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[4], lit("after the drop")))
a1.backup_ok(dest)
b = lsbackup(dest)
r2 = b[-1]["read_ts"]
expect(r1 < t_a < t_drop_attr < t_drop_all < r2, (r1, t_a, t_drop_attr, t_drop_all, r2))
points = [(t_a, uid_a), (t_drop_all - 1, uid_a), (r2, uid_a)]
wants = {t: (a1.export(t), a2.export(t)) for t, _ in points}
expect(wants[t_drop_all - 1][0] and wants[t_drop_all - 1][1], wants)

RESTORE = "mutation($in: RestoreInput!) { restore(input: $in) { code message taskId } }"
for t, top in points:
    st, out = a2.admin(RESTORE, {"in": {"location": dest, "toTs": t}})
    expect(st == 200 and "errors" not in out, out)
    msg = out["data"]["restore"]["message"]
    expect(("version %d, max uid %d," % (t, top)) in msg, (t, top, msg))
    expect(a1.export() == wants[t][0], "ts %d: group 1 differs" % t)
    expect(a2.export() == wants[t][1], "ts %d: group 2 differs" % t)
    out = a1.mutate("{ set { _:x <name> %s . } }" % lit("new"))
    expect(int(out["data"]["uids"]["x"], 16) > top and ts_of(out) > r2, out)

# toTime: the UTC time just before the drop_all maps to the commit before it.
man = json.load(open(os.path.join(dest, b[-1]["path"], "manifest.json")))
g1 = [o for o in man["objects"] if o["group"] == 1][0]
ts_, ms_ = 0, 0
for pair in g1["commit_times"].split(","):
    ts_, ms_ = ts_ + int(pair.split(":")[0]), ms_ + int(pair.split(":")[1])
    if ts_ == t_drop_all:
        break
expect(ts_ == t_drop_all, g1)
when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((ms_ - 1) // 1000)) + ".%03dZ" % ((ms_ - 1) % 1000)
want = (a1.export(t_before), a2.export(t_before))
st, out = a1.admin(RESTORE, {"in": {"location": dest, "toTime": when}})
expect(st == 200 and "errors" not in out, out)
expect("version %d," % t_before in out["data"]["restore"]["message"], (t_before, out))
expect((a1.export(), a2.export()) == want, "toTime: the exports differ")

# Outside the series: refused with its range, nothing changed.
now1, now2 = a1.export(), a2.export()
st, out = a1.admin(RESTORE, {"in": {"location": dest, "toTs": r2 + 1000}})
expect(st == 200 and len(out.get("errors", [])) == 1, out)
msg = out["errors"][0]["message"]
expect("restore refused" in msg and re.search(r"%s: %d\.\.%d" % (b[0]["backup_id"], r1, r2), msg), msg)
st, out = a1.admin(RESTORE, {"in": {"location": dest, "toTs": r2, "backupNum": 1}})
expect(st == 200 and "not both" in out["errors"][0]["message"], out)
expect(a1.export() == now1 and a2.export() == now2)
for proc in (a1, a2, zero):
    proc.stop()
print("1 passed, 0 failed")
