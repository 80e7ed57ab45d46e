"""After one 100 MB mutation the alpha gives its memory back: resident size
(VmRSS from /proc/<pid>/status) a few seconds after the answer is under
BOUND_MIB, far below the peak the request needed (VmHWM); every quad is
still there and the store takes writes. Figures printed; under
AddressSanitizer (quarantine, red zones) the bound is not checked."""
import os
import time

from cairnlib import SANITIZE, Alpha, Zero, expect, http, workdir

BODY_MB = 100
BOUND_MIB = 256  # generous: LMDB's mapped pages of the 100 MB just written count too

wd = workdir("alpha-memory")
zero = Zero(wd)
alpha = Alpha(wd, zero)
N_SUBJ = 1000
u = zero.assign("uids", N_SUBJ)["startId"]


def rss_kib(field):
    for line in open("/proc/%d/status" % alpha.proc.p.pid):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


value = "m" * 80
lines = []
size = 0
k = 0
while size < BODY_MB * 1000000:
    line = '<0x%x> <p%d> "%s %09d" .\n' % (u + k % N_SUBJ, k % 7, value, k)
    lines.append(line)
    size += len(line)
    k += 1
body = "".join(lines)
del lines
before = rss_kib("VmRSS")
t0 = time.time()
st, out = http("POST", alpha.url + "/mutate?commitNow=true", body, {"Content-Type": "application/rdf"}, timeout=600)
took = time.time() - t0
expect(st == 200, (st, out[:500]))
del body
time.sleep(2)
after = rss_kib("VmRSS")
parts = ", ".join("%s %d MiB" % (f, rss_kib(f) // 1024) for f in ("RssAnon", "RssFile", "RssShmem"))
peak = rss_kib("VmHWM")
print("%d MB mutation (%d quads) in %.1f s (noisy); alpha VmRSS before %d MiB, peak (VmHWM) %d MiB, "
      "2 s after %d MiB (%s); bound %d MiB" % (BODY_MB, k, took, before // 1024, peak // 1024, after // 1024, parts,
                                         BOUND_MIB))
if not SANITIZE:
    expect(after < BOUND_MIB * 1024, (after, BOUND_MIB))
    expect(after < peak // 2, (after, peak))
# The store was reopened to free LMDB's page cache: everything is still there and writable.
alpha.mutate('{ set { <0x%x> <after> "small" . } }' % u)
st, out = http("GET", alpha.url + "/export?format=rdf", timeout=300)
expect(st == 200 and out.count(b"\n") == k + 1 and b'"small"' in out, (st, out.count(b"\n"), k))
alpha.stop()
print("1 passed, 0 failed")
