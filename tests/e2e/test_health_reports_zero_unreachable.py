"""The alpha's /health and the admin `health` query report zero's state:
"healthy" with zero reachable; within seconds of zero stopping, "unhealthy"
with zero's address, reachable false and the heartbeat's error (HTTP 200
still: a liveness probe must not restart alphas because zero is down); and
healthy again once zero is back. Dgraph's fields stay."""
import json
import time

from cairnlib import Alpha, Zero, expect, http, workdir

wd = workdir("health-zero")
zero = Zero(wd)
alpha = Alpha(wd, zero)


def health():
    st, out = http("GET", alpha.url + "/health", timeout=5)
    expect(st == 200, (st, out))
    h = json.loads(out)
    expect(isinstance(h, list) and len(h) == 1, h)
    for f in ("instance", "address", "status", "group", "version", "uptime", "zero"):
        expect(f in h[0], (f, h))
    return h[0]


def admin_status():
    st, out = alpha.admin("{ health { instance status } }")
    expect(st == 200 and "errors" not in out, out)
    return out["data"]["health"][0]["status"]


def wait_status(want, limit=20):
    t0 = time.time()
    while time.time() - t0 < limit:
        h = health()
        if h["status"] == want:
            return h, time.time() - t0
        time.sleep(0.2)
    raise AssertionError("status never became %s: %s" % (want, health()))


h = health()
expect(h["status"] == "healthy" and h["zero"]["reachable"] is True and h["zero"]["address"] == zero.addr, h)
expect(admin_status() == "healthy")
print("zero up: %s" % json.dumps(h))

zero.stop()
h, took = wait_status("unhealthy")
expect(h["zero"]["reachable"] is False and h["zero"]["address"] == zero.addr and h["zero"].get("error"), h)
expect(admin_status() == "unhealthy")
print("zero stopped: unhealthy after %.1f s (noisy): %s" % (took, json.dumps(h)))

zero = Zero(wd, wal=zero.wal, port=zero.port)
h, took = wait_status("healthy")
expect(h["zero"]["reachable"] is True and "error" not in h["zero"], h)
expect(admin_status() == "healthy")
print("zero back: healthy after %.1f s (noisy)" % took)
alpha.stop()
print("1 passed, 0 failed")
