"""The restore mutation into a running two-group cluster: after a backup,
more writes and a dropped predicate, the restore brings each group's data
back to what it was at the backup's read_ts (its /export equals the export
at that read_ts); writes to either group are refused with a clear message
while it runs; afterwards new writes get uids and timestamps above the
restored ones (zero moved past them); no directory is left beside the
postings; /metrics counts the restore. A wrong key and a location without
backups are refused with one clear error and nothing changed."""
import os
import re
import threading
import time

from cairnlib import Alpha, Zero, expect, http, lit, lsbackup, workdir

wd = workdir("admin-restore-online")
dest = os.path.join(wd, "backups")
keyfile = os.path.join(wd, "key")
wrong = os.path.join(wd, "wrong-key")
open(keyfile, "wb").write(os.urandom(32))
open(wrong, "wb").write(os.urandom(32))
zero = Zero(wd)
keyed = ["--encryption_key_file", keyfile]
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), extra=keyed)
# Group 2's prepare is held 3 s after its store is built: the restore is
# slow enough to write during it.
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), extra=keyed,
           env={"CAIRN_FAULT_RESTORE_PREPARE_MS": "3000"})
expect(open(os.path.join(wd, "p-a2", "group_id")).read().strip() == "2")

lease = zero.assign("uids", 3000)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <name> %s .\n<0x%x> <age> %s ." % (u, lit("P%d" % u), u, lit(str(u % 70), typ="xs:int"))
    for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 13) % len(people)]) for i, u in enumerate(people)))
a1.backup_ok(dest)
b = lsbackup(dest)[0]
ts = b["read_ts"]
want1, want2 = a1.export(ts), a2.export(ts)
expect(want1.count("\n") == 2 * len(people) and want2.count("\n") == len(people))

# After the backup: changes in both groups, and a dropped predicate.
a1.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . _:n <name> %s . } }"
          % (people[0], people[0], lit("renamed"), lit("new")))
a1.alter({"drop_attr": "age"})
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[5], people[6]))
expect(a1.export() != want1 and a2.export() != want2)

RESTORE = "mutation($in: RestoreInput!) { restore(input: $in) { code message taskId } }"
res = {}
t = threading.Thread(target=lambda: res.setdefault("r", a2.admin(RESTORE, {"in": {"location": dest}})))
t.start()
time.sleep(1.5)
# Writes are refused in both groups while the restore runs.
for a, body in ((a1, "{ set { _:w <name> %s . } }" % lit("during")),
                (a2, "{ set { <0x%x> <friend> <0x%x> . } }" % (people[1], people[2]))):
    st, out = http("POST", a.url + "/mutate?commitNow=true", body, {"Content-Type": "application/rdf"})
    expect(st == 503 and b"a restore is in progress" in out, (st, out))
st, out = http("POST", a1.url + "/alter", '{"drop_attr": "name"}', a1.headers({"Content-Type": "application/json"}))
expect(st == 503 and b"a restore is in progress" in out, (st, out))
t.join(120)
expect(not t.is_alive(), "restore did not finish")
st, out = res["r"]
expect(st == 200 and "errors" not in out, out)
r = out["data"]["restore"]
expect(r["code"] == "Success" and r["taskId"].startswith("0x") and "Restore completed" in r["message"], r)

# Each group holds what it held at the backup's read_ts.
expect(a1.export() == want1, "group 1 differs after the restore")
expect(a2.export() == want2, "group 2 differs after the restore")
left = [n for n in os.listdir(wd) if ".restore-" in n]
expect(not left, left)

# New writes: above the restored uids and timestamps.
out = a1.mutate("{ set { _:x <name> %s . } }" % lit("after"))
new_uid = int(out["data"]["uids"]["x"], 16)
expect(new_uid > b["max_uid"] and new_uid > people[-1], (new_uid, b["max_uid"]))
expect(out["extensions"]["txn"]["commit_ts"] > ts, out)
out = a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[1], new_uid))
expect(out["extensions"]["txn"]["commit_ts"] > ts, out)
# The restored predicates are still their groups'.
st, out = http("POST", a1.url + "/mutate?commitNow=true", "{ set { <0x%x> <friend> <0x%x> . } }" % (people[0], people[1]))
expect(st == 400 and b"served by group 2" in out, out)
a1.mutate("{ set { <0x%x> <age> %s . } }" % (people[0], lit("7", typ="xs:int")))

st, m = http("GET", a2.url + "/metrics")
m = m.decode()
expect(re.search(r"^cairn_restore_started_total 1$", m, re.M) and
       re.search(r"^cairn_restore_succeeded_total 1$", m, re.M) and
       re.search(r"^cairn_restore_last_duration_seconds [0-9.]+$", m, re.M), m)

# Refusals: one clear error, nothing changed, writes still accepted.
now1, now2 = a1.export(), a2.export()
for inp, why in (({"location": dest, "encryptionKeyFile": wrong}, "wrong key"),
                 ({"location": os.path.join(wd, "nowhere")}, "no backups found"),
                 ({"location": dest, "backupNum": 5}, "restore refused")):
    st, out = a1.admin(RESTORE, {"in": inp})
    expect(st == 200 and len(out.get("errors", [])) == 1, out)
    msg = out["errors"][0]["message"]
    expect(why in msg and "nothing was changed" in msg, msg)
    expect(out["data"]["restore"] is None, out)
expect(a1.export() == now1 and a2.export() == now2)
expect(not [n for n in os.listdir(wd) if ".restore-" in n])
a1.mutate("{ set { _:y <name> %s . } }" % lit("still writable"))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[3], people[4]))
st, m = http("GET", a1.url + "/metrics")
expect(re.search(r"^cairn_restore_failed_total 3$", m.decode(), re.M), m)

# Into a new cluster (a new zero, alphas on empty directories): zero moves
# past the restored version and max uid, so its first new uid and timestamp
# are above them.
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
c1 = Alpha(wd, zero2, postings=os.path.join(wd, "new-1"), extra=keyed)
c2 = Alpha(wd, zero2, postings=os.path.join(wd, "new-2"), extra=keyed)
st, out = c1.admin(RESTORE, {"in": {"location": dest, "backupNum": 1}})
expect(st == 200 and "errors" not in out, out)
expect(c1.export() == want1 and c2.export() == want2, "the new cluster differs from the backup")
out = c2.mutate("{ set { _:z <friend> <0x%x> . } }" % people[0])
expect(int(out["data"]["uids"]["z"], 16) > b["max_uid"], (out, b["max_uid"]))
expect(out["extensions"]["txn"]["commit_ts"] > ts, out)
groups = zero2.state()["groups"]
expect(sorted(groups["1"]["predicates"]) == ["age", "name"] and groups["2"]["predicates"] == ["friend"], groups)
print("ok")
