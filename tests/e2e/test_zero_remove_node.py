"""A stale member must not block every backup: a backup meeting a group with
no live alpha fails naming the group and saying how to fix it (start its
alpha or zero's /removeNode); zero's GET /removeNode?id=N&group=G removes
the member (refusing an unknown id or the wrong group), drops its pending
commits, releases the predicates of a group left with no member, and
persists all of it across a zero restart; the next backup succeeds."""
import os
import signal

from cairnlib import Alpha, Zero, expect, http, lit, lsbackup, workdir

wd = workdir("remove-node")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 10)
u = lease["startId"]
a1.mutate("{ set { <0x%x> <name> %s . } }" % (u, lit("A")))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (u, u + 1))
a1.backup_ok(dest)
ids = {g: list(v["members"]) for g, v in zero.state()["groups"].items()}
expect(ids == {"1": ["1"], "2": ["2"]}, ids)

# Group 2's only alpha dies with a commit in flight (its timestamp taken, never done).
st, body = http("POST", "http://%s/internal/commit?member=2" % zero.addr)
expect(st == 200, body)
a2.stop(signal.SIGKILL)
wm = zero.state()["watermark"]
out = a1.backup(dest)
msg = out["errors"][0]["message"]
expect("group 2" in msg and "start its alpha" in msg and "/removeNode?id=N&group=2" in msg, msg)
expect(len(lsbackup(dest)) == 1)


def remove(q):
    st, body = http("GET", "http://%s/removeNode?%s" % (zero.addr, q))
    return st, body.decode()


st, body = remove("id=2&group=1")
expect(st == 400 and "member 2 is in group 2, not group 1" in body, (st, body))
st, body = remove("id=99&group=2")
expect(st == 404 and "no member 99" in body, (st, body))
st, body = remove("id=2")
expect(st == 400 and "id=N&group=G" in body, (st, body))
expect("2" in zero.state()["groups"]["2"]["members"])  # refusals removed nothing

st, body = remove("id=2&group=2")
expect(st == 200 and "Success" in body and "predicates were released" in body, (st, body))
state = zero.state()
expect("2" not in state["groups"] or (not state["groups"]["2"]["members"] and not state["groups"]["2"]["predicates"]), state)
expect(state["watermark"] > wm, (state["watermark"], wm))  # its pending commit no longer holds it

# Persisted: a restarted zero still does not know member 2.
zero.stop()
zero = Zero(wd, wal=zero.wal, port=zero.port)
state = zero.state()
expect("2" not in state["groups"] or not state["groups"]["2"]["members"], state)
expect(remove("id=2&group=2")[0] == 404)

a1.mutate("{ set { <0x%x> <name> %s . } }" % (u + 2, lit("B")))
a1.backup_ok(dest)
expect(len(lsbackup(dest)) == 2)
a1.stop()
zero.stop()
print("1 passed, 0 failed")
