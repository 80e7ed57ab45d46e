"""The admin API's round trip on a two-group cluster, as a GraphQL client
drives it, every operation as a task (async: true) polled through `task`:
a backup; listBackups shows it; more writes and a drop; an online restore
brings both groups back to the backup's read_ts (exports equal); an export
of the restored cluster holds exactly its data; then a restore that fails
half-way (group 2's object tampered) ends Failed naming group 2 and leaves
the live data of both groups untouched, writes accepted afterwards."""
import gzip
import json
import os
import time

from cairnlib import Alpha, Zero, expect, lit, workdir
from exportlib import raw_export

wd = workdir("admin-round-trip")
dest = os.path.join(wd, "backups")
exp = os.path.join(wd, "exports")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 500)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <name> %s .\n<0x%x> <age> %s ." % (u, lit("P%d" % u), u, lit(str(u % 50), typ="xs:int")) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 11) % len(people)]) for i, u in enumerate(people)))

TASK = "query($id: String!) { task(input: {id: $id}) { status lastUpdated kind bytes objects error } }"


def gql(query, variables=None):
    st, out = a1.admin(query, variables)
    expect(st == 200, (st, out))
    return out


def run_task(mutation, field, inp, want="Success"):
    """Submits with async: true, polls the task to its end (bounded)."""
    out = gql(mutation, {"in": dict(inp, **{"async": True})})
    expect("errors" not in out, out)
    payload = out["data"][field]
    tid = payload["taskId"]
    expect(tid.startswith("0x") and len(tid) == 18, payload)
    deadline, seen = time.time() + 120, []
    while time.time() < deadline:
        t = gql(TASK, {"id": tid})["data"]["task"]
        seen.append(t["status"])
        if t["status"] in ("Success", "Failed"):
            break
        time.sleep(0.1)
    expect(t["status"] == want, (t, seen))
    expect(t["kind"] == field.capitalize(), t)
    expect(t["lastUpdated"].endswith("Z"), t)
    print("%s task %s: %s after %s, %s bytes, %s objects" % (field, tid, t["status"], "/".join(sorted(set(seen))),
                                                          t["bytes"], t["objects"]))
    return t


BACKUP = "mutation($in: BackupInput!) { backup(input: $in) { response { code message } taskId } }"
RESTORE = "mutation($in: RestoreInput!) { restore(input: $in) { code message taskId } }"
EXPORT = "mutation($in: ExportInput!) { export(input: $in) { response { code message } exportedFiles taskId } }"
LIST = ("query($in: ListBackupsInput!) { listBackups(input: $in) "
        "{ backupId backupNum encrypted path since readTs type groups { groupId predicates } } }")

t = run_task(BACKUP, "backup", {"destination": dest})
expect(t["bytes"] > 0 and t["objects"] == 2, t)
mans = gql(LIST, {"in": {"location": dest}})["data"]["listBackups"]
expect(len(mans) == 1 and mans[0]["type"] == "full" and mans[0]["backupNum"] == 1, mans)
m = mans[0]
expect(sorted(g["groupId"] for g in m["groups"]) == [1, 2], m)
ts = m["readTs"]
want1, want2 = a1.export(ts), a2.export(ts)

a1.mutate("{ delete { <0x%x> <name> * . } set { _:n <name> %s . } }" % (people[0], lit("new")))
a1.alter({"drop_attr": "age"})
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[3], people[4]))
expect(a1.export() != want1 and a2.export() != want2)

t = run_task(RESTORE, "restore", {"location": dest, "backupId": m["backupId"]})
expect(t["bytes"] > 0, t)
expect(a1.export() == want1 and a2.export() == want2, "the restore did not bring back the backup's data")

t = run_task(EXPORT, "export", {"destination": exp, "format": "rdf"})
folders = [f for f in os.listdir(exp) if f.startswith("export.")]
expect(len(folders) == 1, folders)
man = json.load(open(os.path.join(exp, folders[0], "export.json")))
for g, a in ((1, a1), (2, a2)):
    data = gzip.open(os.path.join(exp, folders[0], "g%02d.rdf.gz" % g)).read()
    expect(data == raw_export(a, man["read_ts"]), "group %d's export file differs from /export" % g)
expect(sorted(raw_export(a1, man["read_ts"]).decode().splitlines(True)) == sorted(want1.splitlines(True)),
       "the export of the restored cluster differs from the backup")

# A restore that fails half-way: group 2's object tampered (same size).
a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[1], lit("after restore")))
live1, live2 = a1.export(), a2.export()
obj = os.path.join(dest, m["path"], "r%d-g2.backup" % ts)
data = bytearray(open(obj, "rb").read())
data[len(data) // 2] ^= 0xFF
open(obj, "wb").write(bytes(data))
t = run_task(RESTORE, "restore", {"location": dest, "backupId": m["backupId"]}, want="Failed")
expect("group 2" in t["error"] and "nothing was changed" in t["error"], t)
expect(a1.export() == live1 and a2.export() == live2, "a failed restore changed the live data")
expect(not [n for n in os.listdir(wd) if ".restore-" in n])
a1.mutate("{ set { _:w <name> %s . } }" % lit("writable"))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[5], people[6]))
for p in (a1, a2, zero):
    p.stop()
print("ok")
