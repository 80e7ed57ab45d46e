"""With a schedule of every N seconds, a SIGKILL of the whole cluster (zero
and both alphas) at a random moment loses at most the last N seconds and a
run's length: the newest backup at the destination, restored, holds every
write acknowledged more than N + MARGIN seconds before the kill. The issue's
"lose at most a minute" with N = 60 is this with N = 2 (bounded run)."""
import os
import random
import signal
import threading
import time

from cairnlib import Alpha, Zero, expect, lit, lsbackup, restore, workdir

N = 2  # the schedule's interval, seconds
MARGIN = 6  # a run's length and the poll, generous on a loaded machine (runs take ~0.1 s here)

wd = workdir("backup-schedule-loss")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"),
           extra=["--backup_schedule", "destination=%s; every=%ds; full_every=5" % (dest, N)])
lease = zero.assign("uids", 1000000)
next_uid = [lease["startId"]]
acked = []  # (time acknowledged, alpha index, uid)
stop = threading.Event()


def writer():
    """Writes until the cluster dies; each acknowledged write is one new triple."""
    while not stop.is_set():
        u = next_uid[0]
        next_uid[0] += 1
        try:
            a1.mutate("{ set { <0x%x> <name> %s . } }" % (u, lit("W%d" % u)))
            acked.append((time.time(), 1, u))
            a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (u, u))
            acked.append((time.time(), 2, u))
        except Exception:  # noqa: BLE001 - the kill ends the writes
            return
        time.sleep(0.005)


seed = int(os.environ.get("CAIRN_TEST_SEED", str(int(time.time()))))
rng = random.Random(seed)
kill_after = rng.uniform(4 * N + MARGIN, 4 * N + MARGIN + 4)
print("seed %d: SIGKILL of the cluster after %.2f s" % (seed, kill_after))
t = threading.Thread(target=writer, daemon=True)
t.start()
time.sleep(kill_after)
killed_at = time.time()
for p in (a1, a2, zero):
    p.stop(signal.SIGKILL)
stop.set()
t.join()

backups = sorted(lsbackup(dest), key=lambda b: b["read_ts"])
expect(backups, "no backup was written")
newest = backups[-1]
out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
zero2.assign("timestamps", newest["read_ts"])
r1 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p1"))
r2 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p2"))
have1, have2 = set(r1.export().splitlines()), set(r2.export().splitlines())
for p in (r1, r2, zero2):
    p.stop()


def held(who, u):
    if who == 1:
        return "<0x%x> <name> %s ." % (u, lit("W%d" % u)) in have1
    return "<0x%x> <friend> <0x%x> ." % (u, u) in have2


cutoff = killed_at - (N + MARGIN)
old = [(at, who, u) for at, who, u in acked if at < cutoff]
recent = [(at, who, u) for at, who, u in acked if at >= cutoff]
missing_old = [(at, who, u) for at, who, u in old if not held(who, u)]
lost_recent = sum(1 for at, who, u in recent if not held(who, u))
newest_acked_held = max((at for at, who, u in acked if held(who, u)), default=0)
print("%d backups (newest: read_ts %d, backup_num %d)" % (len(backups), newest["read_ts"], newest["backup_num"]))
print("writes acknowledged: %d; more than %d s before the kill: %d, all held: %s; in the last %d s: %d, "
      "of which lost: %d; the newest write held was acknowledged %.2f s before the kill" %
      (len(acked), N + MARGIN, len(old), not missing_old, N + MARGIN, len(recent), lost_recent,
       killed_at - newest_acked_held))
expect(len(old) > 100, len(old))
expect(not missing_old, missing_old[:5])
print("ok")
