"""With a cluster secret, only members signed with it reach the internal
endpoints: a fake member cannot join (POST /internal/connect from another
machine, or from this one without a MAC) nor post /internal/commit, done or
heartbeat; calls with no MAC, a MAC made with another secret, a stale
timestamp, or an exact replay of a valid signed request are refused (401,
with the reason), while a properly signed one (signed here in Python with the
algorithm of server/member_auth.h) is accepted; the alpha's /internal/alter
is refused from loopback without a MAC. A real alpha with the secret joins
and commits."""
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.request

from cairnlib import Alpha, Zero, cluster_secret, expect, free_port, http, lit, workdir
from netns import NetNS

wd = workdir("fake-member")
secret_path = cluster_secret(wd)
secret = open(secret_path).read().rstrip("\n").encode()
other = b"another-cluster-0123456789abcdef"


def sign(key_secret, method, target, body=b"", ts_ms=None, nonce=None):
    k = hmac.new(key_secret, b"cairn member mac v1", hashlib.sha256).digest()
    ts = str(ts_ms if ts_ms is not None else int(time.time() * 1000))
    nonce = nonce or secrets.token_hex(16)
    msg = "\n".join(["cairn-member-v1", method, target, hashlib.sha256(body).hexdigest(), ts, nonce])
    mac = hmac.new(k, msg.encode(), hashlib.sha256).hexdigest()
    return "v1 %s %s %s" % (ts, nonce, mac)


def post(addr, target, body, header=None):
    h = {"Content-Type": "application/json"}
    if header:
        h["X-Cairn-Member"] = header
    return http("POST", "http://%s%s" % (addr, target), body, h)


zport = free_port()
zero = Zero(wd, port=zport, host="0.0.0.0", secret=secret_path)
zero.addr = "127.0.0.1:%d" % zport
expect("loopback-only" not in zero.proc.output(), zero.proc.output())
alpha = Alpha(wd, zero, postings=os.path.join(wd, "p1"), secret=secret_path)
alpha.mutate("{ set { _:a <name> %s . } }" % lit("real member"))
mid = zero.state()  # loopback without a token is an admin: the full view
member = next(int(m) for g in mid["groups"].values() for m in g["members"])
refused = 0

join = json.dumps({"addr": "127.0.0.1:9999", "group": 1}).encode()
beat = json.dumps({"inflight": [], "done": []}).encode()
targets = [("/internal/connect", join), ("/internal/commit?member=%d" % member, b"{}"),
           ("/internal/done?member=%d" % member, json.dumps({"done": [1]}).encode()),
           ("/internal/heartbeat?member=%d" % member, beat)]

# From another machine, and from this one, without a MAC.
if NetNS.available():
    with NetNS() as ns:
        for t, body in targets:
            st, out = ns.http("POST", "http://%s:%d%s" % (ns.host_ip, zport, t), body.decode(),
                              {"Content-Type": "application/json"})
            expect(st == 401 and "members of the cluster only" in out, (t, st, out))
            refused += 1
        # A MAC with the right secret does not help a replay from elsewhere either.
        hdr = sign(secret, "POST", targets[0][0], join)
        st, out = post(zero.addr, targets[0][0], join, hdr)
        expect(st == 200, (st, out))
        st, out = ns.http("POST", "http://%s:%d%s" % (ns.host_ip, zport, targets[0][0]), join.decode(),
                          {"Content-Type": "application/json", "X-Cairn-Member": hdr})
        expect(st == 401 and "replayed" in out, (st, out))
        refused += 1
else:
    print("SKIP (namespace part): needs root and ip(8)")
for t, body in targets:
    st, out = post(zero.addr, t, body)
    expect(st == 401 and b"no X-Cairn-Member header" in out, (t, st, out))
    refused += 1
    st, out = post(zero.addr, t, body, sign(other, "POST", t, body))
    expect(st == 401 and b"wrong MAC" in out, (t, st, out))
    refused += 1
    st, out = post(zero.addr, t, body, sign(secret, "POST", t, body, ts_ms=int(time.time() * 1000) - 120000))
    expect(st == 401 and b"stale" in out, (t, st, out))
    refused += 1
    st, out = post(zero.addr, t, body + b" ", sign(secret, "POST", t, body))
    expect(st == 401 and b"wrong MAC" in out, ("body changed", t, st, out))
    refused += 1

# A properly signed heartbeat is accepted once; its exact replay is refused.
t, body = targets[3]
hdr = sign(secret, "POST", t, body)
st, out = post(zero.addr, t, body, hdr)
expect(st == 200 and b"pending" in out, (st, out))
st, out = post(zero.addr, t, body, hdr)
expect(st == 401 and b"replayed" in out, (st, out))
refused += 1
# The query is signed too: a MAC for pred=y does not carry pred=x.
st, out = post(zero.addr, "/internal/tablet?pred=x&group=1", b"", sign(secret, "POST", "/internal/tablet?pred=y&group=1"))
expect(st == 401 and b"wrong MAC" in out, (st, out))
refused += 1
st, out = post(zero.addr, "/internal/tablet?pred=y&group=1", b"", sign(secret, "POST", "/internal/tablet?pred=y&group=1"))
expect(st == 200, (st, out))

# The alpha's internal endpoint: loopback alone is not enough with a secret.
st, out = http("POST", alpha.url + "/internal/alter", json.dumps({"drop_all": True}), {"Content-Type": "application/json"})
expect(st == 401 and b"members of the cluster only" in out, (st, out))
refused += 1
body = json.dumps({"drop_attr": "nothing"}).encode()
st, out = http("POST", alpha.url + "/internal/alter", body,
               {"Content-Type": "application/json", "X-Cairn-Member": sign(secret, "POST", "/internal/alter", body)})
expect(st == 200, (st, out))
expect(alpha.export().count("real member") == 1)

# Refusals are logged, once per peer, without the secret.
log = zero.proc.output()
expect(log.count("refused a member call from 127.0.0.1") == 1, log)
expect(secret.decode() not in log)
alpha.stop()
zero.stop()
print("%d forged or replayed calls refused, signed ones accepted; 0 failed" % refused)
