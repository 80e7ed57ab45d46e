"""An alpha started on restored data needs no /assign calls: restore leaves
restore.json (restore version, max uid, predicates) in each p<N>, and the
alpha makes the new zero move past both and claims the group's predicates
before it serves. So new blank nodes get uids above the restored ones, a
delete of restored data takes effect (its commit ts is above the restore
version), a write of one group's predicate through the other group's alpha
is refused, and an alpha refuses to start if zero already gives one of its
restored predicates to another group."""
import json
import os
import re
import time

from cairnlib import Alpha, Proc, Zero, PLUGIN_DIR, expect, lit, restore, workdir, http

wd = workdir("restored-claims")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 300)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <friend> <0x%x> ." % (u, people[0]) for u in people))
# Time moves on well past the data, so a zero that was not told would be far behind.
zero.assign("timestamps", 5000)
a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[1], lit("late")))
a1.backup_ok(dest)
for p in (a1, a2, zero):
    p.stop()

out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
version = int(re.search(r"Restore version: (\d+)", out.stdout).group(1))
max_uid = int(re.search(r"Restore max uid: (\d+)", out.stdout).group(1))
expect(version > 5000 and max_uid >= people[-1], out.stdout)
p1, p2 = os.path.join(wd, "restored", "p1"), os.path.join(wd, "restored", "p2")
meta = json.load(open(os.path.join(p1, "restore.json")))
expect(meta == {"read_ts": str(version), "max_uid": str(max_uid), "predicates": ["name"]}, meta)
expect(json.load(open(os.path.join(p2, "restore.json")))["predicates"] == ["friend"])

# A new zero, and no /assign calls.
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
r1 = Alpha(wd, zero2, postings=p1)
r2 = Alpha(wd, zero2, postings=p2)
st = zero2.state()
expect(st["maxTxnTs"] >= version and st["maxUID"] >= max_uid, st)
expect(st["groups"]["1"]["predicates"] == ["name"] and st["groups"]["2"]["predicates"] == ["friend"], st)

# New blank nodes get uids above the restored ones.
res = r1.mutate("{ set { _:n <name> %s . } }" % lit("new"))
new_uid = int(res["data"]["uids"]["n"], 16)
expect(new_uid > max_uid, (new_uid, max_uid))
expect(res["extensions"]["txn"]["commit_ts"] > version, res)

# A delete of restored data takes effect.
before = r1.export()
expect('<0x%x> <name> "P%d" .' % (people[2], people[2]) in before)
res = r1.mutate("{ delete { <0x%x> <name> * . } }" % people[2])
expect(res["extensions"]["txn"]["commit_ts"] > version, res)
after = r1.export()
expect("<0x%x> <name>" % people[2] not in after, after[:500])

# Group 2's predicate through group 1's alpha: refused, before anyone wrote it on this cluster.
st_, body = http("POST", r1.url + "/mutate?commitNow=true", "{ set { <0x%x> <friend> <0x%x> . } }" % (people[3], people[4]))
expect(st_ == 400 and b"served by group 2" in body, (st_, body))
r2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[3], people[4]))
for p in (r1, r2, zero2):
    p.stop()

# A zero where group 1 already owns <friend>: the restored p2 refuses to start.
zero3 = Zero(wd, wal=os.path.join(wd, "zw3"))
other = Alpha(wd, zero3, postings=os.path.join(wd, "p-other"))
lease = zero3.assign("uids", 2)
other.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (lease["startId"], lease["endId"]))
args = ["alpha", "--http", "127.0.0.1:0", "-p", p2, "-z", zero3.addr]
if PLUGIN_DIR:
    args += ["--plugin_dir", PLUGIN_DIR]
bad = Proc("alpha-refused", args, wd)
deadline = time.time() + 30
while bad.alive() and time.time() < deadline:
    time.sleep(0.05)
expect(not bad.alive(), "an alpha whose restored predicate another group owns must not start")
expect(bad.stop() != 0)
text = bad.output()
expect("error: predicate <friend> restored into" in text and "already owned by group 1" in text, text)
expect(zero3.state()["groups"]["1"]["predicates"] == ["friend"])
other.stop()
zero3.stop()
print("1 passed, 0 failed")
