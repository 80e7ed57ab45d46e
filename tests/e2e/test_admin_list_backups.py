"""The listBackups query on a two-group cluster with a full and an
incremental backup answers the same backups, field for field, as
`cairn lsbackup --json`; a location without backups (missing, or given
empty) is a GraphQL error, and credentials sent with the query never come
back in it."""
import os

from cairnlib import Alpha, Zero, lit, lsbackup, note_secret, workdir, expect

wd = workdir("admin-list-backups")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 50)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <friend> <0x%x> ." % (u, people[0]) for u in people))
a1.backup_ok(dest)
a1.mutate('{ set { <0x%x> <age> "7" . } }' % people[1])
a2.backup_ok(dest)

Q = """query($in: ListBackupsInput!) { listBackups(input: $in) {
  backupId backupNum encrypted path since readTs type groups { groupId predicates } } }"""


def list_backups(alpha, inp):
    st, out = alpha.admin(Q, {"in": inp})
    expect(st == 200, (st, out))
    return out


want = lsbackup(dest)
expect([b["type"] for b in want] == ["full", "incremental"], want)
for alpha in (a1, a2):
    out = list_backups(alpha, {"location": dest})
    expect("errors" not in out, out)
    got = out["data"]["listBackups"]
    expect(len(got) == len(want), (got, want))
    for g, w in zip(got, want):
        expect(g["backupId"] == w["backup_id"] and g["backupNum"] == w["backup_num"], (g, w))
        expect(g["encrypted"] == w["encrypted"] and g["path"] == w["path"], (g, w))
        expect(g["since"] == w["since"] and g["readTs"] == w["read_ts"] and g["type"] == w["type"], (g, w))
        expect(g["groups"] == [{"groupId": int(k), "predicates": w["groups"][k]}
                               for k in sorted(w["groups"], key=int)], (g, w))
    expect([sorted(x["groupId"] for x in g["groups"]) for g in got] == [[1, 2], [1, 2]], got)
print("listBackups answers what lsbackup --json says: %d backups, groups 1 and 2" % len(got))

# file:// works as the destination did.
out = list_backups(a1, {"location": "file://" + dest})
expect("errors" not in out and len(out["data"]["listBackups"]) == 2, out)

# A missing location, an empty one, and an empty string: errors, not [].
secret = "list-backups-secret-" + os.urandom(6).hex()
note_secret(secret)
empty = os.path.join(wd, "empty")
os.makedirs(empty)
for loc in (os.path.join(wd, "missing"), empty):
    out = list_backups(a1, {"location": loc, "accessKey": "AKIALISTBACKUPS", "secretKey": secret})
    expect(out["data"]["listBackups"] is None, out)
    msg = out["errors"][0]["message"]
    expect("no backups found at this location" in msg and secret not in msg, out)
out = list_backups(a1, {"location": ""})
expect(out["data"]["listBackups"] is None and "give the backup location" in out["errors"][0]["message"], out)
st, out = a1.admin("{ listBackups(input: {}) { path } }")
expect("errors" in out and "location" in out["errors"][0]["message"], out)
out = list_backups(a1, {"location": "nosuch://bucket/x"})
expect('no storage plugin handles scheme "nosuch"' in out["errors"][0]["message"], out)
print("a missing or empty location is an error:", msg)

for p in (a1, a2):
    p.stop()
    expect(secret not in p.proc.output())
zero.stop()
print("PASS")
