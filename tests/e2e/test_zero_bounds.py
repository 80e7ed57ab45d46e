"""Zero cannot be grown by its callers: an address or a predicate name longer
than 256 bytes is refused, and past 1024 members or 16384 predicates a new
one is refused with the limit named (507), so state.json stays small and
zero restarts. (Zero starts from a state.json already at the limits.)"""
import json
import os

from cairnlib import Zero, expect, http, workdir

wd = workdir("zero-bounds")
wal = os.path.join(wd, "zw")
zero = Zero(wd, wal=wal)
url = "http://%s" % zero.addr


def post(path, body="{}"):
    st, out = http("POST", url + path, body, {"Content-Type": "application/json"})
    return st, out.decode()


st, out = post("/internal/connect", json.dumps({"addr": "h" * 300 + ":1", "group": 1}))
expect(st == 400 and "256 bytes" in out, (st, out))
st, out = post("/internal/tablet?pred=%s&group=1" % ("p" * 257))
expect(st == 400 and "256 bytes" in out, (st, out))
st, out = post("/internal/tablet?pred=%s&group=1" % ("p" * 256))
expect(st == 200, (st, out))
zero.stop()

# At the limits: 1024 members and 16384 predicates.
path = os.path.join(wal, "state.json")
s = json.load(open(path))
s["members"] = [{"id": i, "group": 1 + i % 3, "addr": "127.0.0.1:%d" % (20000 + i)} for i in range(1, 1025)]
s["next_member_id"] = 1025
s["tablets"] = [{"pred": "pred%05d" % i, "group": 1} for i in range(16384)]
json.dump(s, open(path, "w"))
zero = Zero(wd, wal=wal)
url = "http://%s" % zero.addr
st, out = post("/internal/connect", json.dumps({"addr": "127.0.0.1:1", "group": 1}))
expect(st == 507 and "1024 members" in out and "/removeNode" in out, (st, out))
st, out = post("/internal/tablet?pred=one-more&group=1")
expect(st == 507 and "16384 predicates" in out, (st, out))
st, out = post("/internal/tablet?pred=pred00007&group=1")  # known ones still answer
expect(st == 200 and json.loads(out)["group"] == 1, (st, out))
# A known member still reconnects.
st, out = post("/internal/connect", json.dumps({"addr": "127.0.0.1:20005", "group": 0, "id": 5}))
expect(st == 200, (st, out))
zero.stop()
print("state.json at the limits: %d bytes" % os.path.getsize(path))
print("1 passed, 0 failed")
