"""Admin operations called from another machine (a network namespace, source
198.18.x.2): alpha's /admin, /alter, /export and zero's /assign,
/enterpriseLicense, /removeNode and its full /state are refused without
--whitelist and token, refused with a wrong token or none, and allowed with
the whitelist holding the caller and the right X-Cairn-AuthToken; /mutate and
/health stay open; zero's internal endpoints (/internal/connect, commit,
done, heartbeat) refuse that machine, since the cluster has no secret."""
import json
import os
import sys

from cairnlib import Alpha, Zero, expect, free_port, http, license_keys, lit, sign_license, workdir
from netns import NetNS

if not NetNS.available():
    print("SKIP: needs root and ip(8) for a network namespace")
    sys.exit(0)

TOKEN = "admin-token-4a1f9c2e7b"
wd = workdir("admin-remote")
# A license signed by a throw-away vendor key that zero is told to trust.
VENDOR_KEY, VENDOR_PUB = license_keys(wd)
with open(sign_license(wd, VENDOR_KEY, "remote", "2099-01-01")) as f:
    LICENSE = f.read()


def start(ns, extra_zero, extra_alpha, tag):
    zport, aport = free_port(), free_port()
    zero = Zero(wd, port=zport, wal=os.path.join(wd, "zw-" + tag), host="0.0.0.0",
                extra=["--license_public_key", VENDOR_PUB] + extra_zero)
    zero.addr = "127.0.0.1:%d" % zport  # what the alpha dials (loopback)
    alpha = Alpha(wd, zero, postings=os.path.join(wd, "p-" + tag), port=aport, host="0.0.0.0",
                  extra=["--my", "127.0.0.1:%d" % aport] + extra_alpha)
    alpha.url = "http://127.0.0.1:%d" % aport
    return zero, alpha, "http://%s:%d" % (ns.host_ip, zport), "http://%s:%d" % (ns.host_ip, aport)


def calls(zurl, aurl, fake_id):
    """Every admin operation as (name, method, url, body)."""
    return [
        ("alpha /admin", "POST", aurl + "/admin", json.dumps({"query": "{ health { instance status } }"})),
        ("alpha /alter", "POST", aurl + "/alter", json.dumps({"drop_attr": "nothing-here"})),
        ("alpha /export", "GET", aurl + "/export?format=rdf", None),
        ("zero /assign", "GET", zurl + "/assign?what=uids&num=5", None),
        ("zero /enterpriseLicense", "POST", zurl + "/enterpriseLicense", LICENSE),
        ("zero /removeNode", "GET", zurl + "/removeNode?id=%d&group=9" % fake_id, None),
    ]


def fake_member(zero):
    """A member zero can forget, joined from this machine (loopback)."""
    st, body = http("POST", "http://%s/internal/connect" % zero.addr,
                    json.dumps({"addr": "127.0.0.1:1", "group": 9}), zero.headers())
    expect(st == 200, (st, body))
    return json.loads(body)["id"]


def open_endpoints(ns, zurl, aurl):
    st, body = ns.http("POST", aurl + "/mutate?commitNow=true",
                       '{ set { _:a <name> %s . } }' % lit("from the other machine"),
                       {"Content-Type": "application/rdf"})
    expect(st == 200, ("/mutate", st, body))
    for url in (aurl + "/health", zurl + "/health"):
        st, body = ns.http("GET", url)
        expect(st == 200, (url, st, body))


refused = allowed = 0
with NetNS() as ns:
    # 1. No whitelist, no token: every admin operation refused from there.
    zero, alpha, zurl, aurl = start(ns, [], [], "open")
    fid = fake_member(zero)
    for name, method, url, body in calls(zurl, aurl, fid):
        st, out = ns.http(method, url, body, {"Content-Type": "application/json"})
        expect(st == 403 and "--whitelist" in out, (name, st, out))
        refused += 1
    st, out = ns.http("GET", zurl + "/state")
    state = json.loads(out)
    expect(st == 200 and "license" not in state and "127.0.0.1:1" not in out, (st, out))
    expect(all("members" not in g for g in state["groups"].values()), out)
    refused += 1
    # Zero's internal endpoints: the cluster has no secret, so loopback only.
    for path in ("/internal/connect", "/internal/commit?member=%d" % fid,
                 "/internal/done?member=%d" % fid, "/internal/heartbeat?member=%d" % fid):
        st, out = ns.http("POST", zurl + path, json.dumps({"addr": "198.18.0.2:9", "group": 1}))
        expect(st == 403 and "loopback-only" in out, (path, st, out))
        refused += 1
    open_endpoints(ns, zurl, aurl)
    alpha.stop()
    zero.stop()

    # 2. The caller whitelisted and a token set.
    wl = ["--whitelist", "10.9.0.0/16, %s" % ns.peer_ip, "--auth_token", TOKEN]
    zero, alpha, zurl, aurl = start(ns, wl, wl, "closed")
    fid = fake_member(zero)
    for hdrs, why in (({}, "no token"), ({"X-Cairn-AuthToken": TOKEN + "x"}, "wrong token"),
                      ({"X-Cairn-AuthToken": TOKEN[:-1]}, "token prefix")):
        for name, method, url, body in calls(zurl, aurl, fid):
            h = {"Content-Type": "application/json"}
            h.update(hdrs)
            st, out = ns.http(method, url, body, h)
            expect(st == 401 and "X-Cairn-AuthToken" in out, (why, name, st, out))
            refused += 1
        st, out = ns.http("GET", zurl + "/state", headers=hdrs)
        expect(st == 200 and "license" not in json.loads(out), (why, st, out))
        refused += 1
    good = {"X-Cairn-AuthToken": TOKEN, "Content-Type": "application/json"}
    for name, method, url, body in calls(zurl, aurl, fid):
        st, out = ns.http(method, url, body, good)
        expect(st == 200, (name, st, out))
        allowed += 1
    st, out = ns.http("GET", zurl + "/state", headers=good)
    state = json.loads(out)
    expect(st == 200 and "license" in state, (st, out))
    expect(any(m["addr"] == alpha.addr.replace("0.0.0.0", "127.0.0.1")
               for g in state["groups"].values() for m in g.get("members", {}).values()), out)
    allowed += 1
    open_endpoints(ns, zurl, aurl)
    alpha.stop()
    zero.stop()

print("%d refused, %d allowed as expected; 0 failed" % (refused, allowed))
