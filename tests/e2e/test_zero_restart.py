"""Zero restarts, gracefully and by SIGKILL: leases and timestamps only move
forward, never handing out a value twice."""
import signal

from cairnlib import Zero, workdir, expect

wd = workdir("zero-restart")
zero = Zero(wd)
seen_ts, seen_uid = [], []
for i in range(5):
    a = zero.assign("timestamps", 3)
    seen_ts.append((a["startId"], a["endId"]))
    b = zero.assign("uids", 1000)
    seen_uid.append((b["startId"], b["endId"]))
big = zero.assign("uids", 50000)  # larger than one persisted step
seen_uid.append((big["startId"], big["endId"]))
zero.stop()

for sig in (signal.SIGTERM, signal.SIGKILL):
    zero = Zero(wd, wal=zero.wal)
    a = zero.assign("timestamps", 1)
    b = zero.assign("uids", 1)
    expect(a["startId"] > max(e for _, e in seen_ts), (a, seen_ts))
    expect(b["startId"] > max(e for _, e in seen_uid), (b, seen_uid))
    seen_ts.append((a["startId"], a["endId"]))
    seen_uid.append((b["startId"], b["endId"]))
    st = zero.state()
    expect(st["maxTxnTs"] >= a["endId"] and st["maxUID"] >= b["endId"], st)
    zero.stop(sig)

# Leases never overlap.
for seen in (seen_ts, seen_uid):
    seen.sort()
    for (s1, e1), (s2, e2) in zip(seen, seen[1:]):
        expect(e1 < s2, (s1, e1, s2, e2))
print("1 passed, 0 failed")
