"""Memory per request is bounded: 8 concurrent 40 MB /mutate bodies against
an alpha with a 128 MiB body budget. Those that fit are applied; the others
are answered 503 with one line saying to retry later or send smaller
batches, before their bodies are held. The alpha's peak RSS stays under
BOUND_MIB; each refused body sent again alone is applied.

Under AddressSanitizer every block carries red zones and freed memory waits
in a quarantine before reuse, so there the alpha runs with a small
quarantine and the bound allows the red zones (half as much again)."""
import json
import os
import threading
import time

from cairnlib import SANITIZE, Alpha, Zero, expect, http, workdir

N = 8
BODY_MB = 40
BUDGET_MIB = 128
BOUND_MIB = 640  # 5x the budget: body, parsed quads, edit texts, LMDB pages, arenas
ENV = None
if SANITIZE:
    BOUND_MIB = BOUND_MIB * 3 // 2
    ENV = {"ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16").lstrip(":")}
VALUE = "v" * 1000

wd = workdir("large-bodies")
zero = Zero(wd)
alpha = Alpha(wd, zero, extra=["--body_budget_mb", str(BUDGET_MIB)], env=ENV)
u = zero.assign("uids", N)["startId"]


def body(i):
    line = '<0x%x> <big%d> "%s' % (u + i, i, VALUE)
    n = BODY_MB * 1000000 // (len(line) + 12)
    return "".join('%s %07d" .\n' % (line, k) for k in range(n)), n


def rss_kib(pid, field):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


bodies = [body(i) for i in range(N)]
results = [None] * N


def send(i):
    t0 = time.time()
    st, out = http("POST", alpha.url + "/mutate?commitNow=true", bodies[i][0], {"Content-Type": "application/rdf"}, timeout=120)
    results[i] = (st, out, time.time() - t0)


t0 = time.time()
threads = [threading.Thread(target=send, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
peak_seen = 0
while any(t.is_alive() for t in threads):
    peak_seen = max(peak_seen, rss_kib(alpha.proc.p.pid, "VmRSS"))
    time.sleep(0.05)
for t in threads:
    t.join()
took = time.time() - t0
ok = [i for i in range(N) if results[i][0] == 200]
busy = [i for i in range(N) if results[i][0] == 503]
print("%d concurrent bodies of %d MB (%d quads each) in %.1f s: %d applied, %d answered 503" %
      (N, BODY_MB, bodies[0][1], took, len(ok), len(busy)))
for i in busy:
    msg = json.loads(results[i][1])["errors"][0]["message"]
    expect("retry later" in msg and "smaller batches" in msg and "\n" not in msg, msg)
print("503 says: %s" % (json.loads(results[busy[0]][1])["errors"][0]["message"] if busy else "-"))
expect(len(ok) + len(busy) == N, [r[:2] for r in results if r[0] not in (200, 503)])
expect(ok and busy, (ok, busy))
hwm = rss_kib(alpha.proc.p.pid, "VmHWM")
print("alpha peak RSS: VmHWM %d MiB (sampled VmRSS %d MiB), bound %d MiB, body budget %d MiB" %
      (hwm // 1024, peak_seen // 1024, BOUND_MIB, BUDGET_MIB))
expect(hwm < BOUND_MIB * 1024, hwm)

for i in busy:  # alone, each fits
    st, out = http("POST", alpha.url + "/mutate?commitNow=true", bodies[i][0], {"Content-Type": "application/rdf"}, timeout=120)
    expect(st == 200, (st, out[:300]))
st, m = http("GET", alpha.url + "/metrics")
applied = [l for l in m.decode().splitlines() if l.startswith("cairn_mutations_total ")]
print("after sending the refused ones again: %s" % applied[0])
expect(applied == ["cairn_mutations_total %d" % N], applied)
hwm = rss_kib(alpha.proc.p.pid, "VmHWM")
print("alpha peak RSS at the end: %d MiB" % (hwm // 1024))
expect(hwm < BOUND_MIB * 1024, hwm)
alpha.stop()
zero.stop()
print("PASS")
