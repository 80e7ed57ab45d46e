"""A restore mutation whose second group fails to prepare (its object in
the backup changed after the backup: same size, other bytes) leaves both
groups' live data exactly as it was (exports equal), no directory beside
either postings directory, writes accepted again, and the error in the
GraphQL answer naming the group. A backup group with no running alpha
fails the same way."""
import os
import signal

from cairnlib import Alpha, Zero, expect, lit, lsbackup, workdir

wd = workdir("admin-restore-online-fails")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 2000)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 7) % len(people)]) for i, u in enumerate(people)))
a1.backup_ok(dest)
b = lsbackup(dest)[0]
a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[0], lit("changed")))
a2.mutate("{ delete { <0x%x> <friend> * . } }" % people[1])
live1, live2 = a1.export(), a2.export()

# Group 2's object: a byte in its middle changed, its size kept.
obj = os.path.join(dest, b["path"], "r%d-g2.backup" % b["read_ts"])
data = bytearray(open(obj, "rb").read())
data[len(data) // 2] ^= 0xFF
open(obj, "wb").write(bytes(data))

RESTORE = "mutation($in: RestoreInput!) { restore(input: $in) { code message taskId } }"


def no_leftovers():
    left = [n for n in os.listdir(wd) if ".restore-" in n]
    expect(not left, left)


st, out = a1.admin(RESTORE, {"in": {"location": dest}})
expect(st == 200 and len(out.get("errors", [])) == 1 and out["data"]["restore"] is None, out)
msg = out["errors"][0]["message"]
expect("restore failed, nothing was changed" in msg and "group 2" in msg, msg)
expect(a1.export() == live1 and a2.export() == live2, "live data changed by a failed restore")
no_leftovers()
a1.mutate("{ set { _:n <name> %s . } }" % lit("writable again"))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (people[2], people[3]))
live1, live2 = a1.export(), a2.export()

# A group of the backup whose alpha is gone: the same, through group 1.
data[len(data) // 2] ^= 0xFF
open(obj, "wb").write(bytes(data))
a2.stop(signal.SIGKILL)
st, out = a1.admin(RESTORE, {"in": {"location": dest}})
expect(len(out.get("errors", [])) == 1, out)
msg = out["errors"][0]["message"]
expect("nothing was changed" in msg and "group 2" in msg, msg)
expect(a1.export() == live1, "group 1 changed by a failed restore")
no_leftovers()
a1.mutate("{ set { _:m <name> %s . } }" % lit("writable"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
expect(a2.export() == live2)
print("ok")
