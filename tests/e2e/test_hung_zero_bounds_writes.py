"""A hung zero (SIGSTOP) holds no write longer than the deadlines: four
concurrent /mutate calls to an alpha are each answered 503 within zero's
10 s call deadline plus the 15 s a commit waits for those queued before it
(not one deadline per commit queued ahead); the alpha keeps answering /health meanwhile,
and after SIGCONT writes succeed again."""
import signal
import threading
import time

from cairnlib import Alpha, Zero, expect, http, lit, workdir

N = 4
BOUND_S = 10 + 15 + 5

wd = workdir("hung-zero")
zero = Zero(wd)
alpha = Alpha(wd, zero)
r = alpha.mutate("{ set { _:a <name> %s . } }" % lit("before"))
u = int(r["data"]["uids"]["a"], 16)  # a uid the alpha knows: no call to zero before the commit
zero.proc.p.send_signal(signal.SIGSTOP)
res = [None] * N


def write(i):
    t0 = time.time()
    st, out = http("POST", alpha.url + "/mutate?commitNow=true", "{ set { <0x%x> <name> %s . } }" % (u, lit("w%d" % i)), timeout=120)
    res[i] = (st, out.decode(), time.time() - t0)


try:
    ts = [threading.Thread(target=write, args=(i,)) for i in range(N)]
    for t in ts:
        t.start()
    time.sleep(1)
    t0 = time.time()
    st, _ = http("GET", alpha.url + "/health", timeout=5)
    health = time.time() - t0
    for t in ts:
        t.join(timeout=BOUND_S + 30)
finally:
    zero.proc.p.send_signal(signal.SIGCONT)
print("alpha /health while zero was stopped: %d in %.3f s" % (st, health))
for st_, out, took in res:
    print("  /mutate: %d after %.1f s: %s" % (st_, took, out.strip()[:200]))
expect(st == 200 and health < 2)
expect(any("waited 15 s for zero" in r[1] for r in res), res)  # the queue's own deadline
expect(all(r is not None and r[0] == 503 and r[2] < BOUND_S for r in res), res)
alpha.mutate("{ set { _:b <name> %s . } }" % lit("after"))
print("after SIGCONT a mutation succeeds")
alpha.stop()
zero.stop()
print("PASS")
