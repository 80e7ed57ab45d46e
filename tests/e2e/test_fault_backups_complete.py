"""A backup that answers Success holds every acknowledged write at or below its
read timestamp, in every group, whatever zero, the network or a crash did
meanwhile.

Two groups, a writer per group sending many small and some large mutations
(every value unique, so a mutation is recognisable in any export), and
backups taken all along (full and incremental). Meanwhile: zero is killed
(SIGKILL) and restarted ROUNDS times at varied moments, staying down (refusing
connections) for a varied moment each time; group 2's alpha is SIGSTOPped and
SIGCONTed; group 1's alpha is killed in the middle of a large commit and
restarted. Then every backup of every series is restored (up to each
backup_num) into a new cluster and exported: it must hold every acknowledged
mutation with commit_ts <= its read_ts, none with a later commit_ts, every
unacknowledged mutation whole or not at all, and nothing else.

Bounded: ROUNDS zero kills (CAIRN_FAULT_ROUNDS, default 10), each followed
by at most ~2.5 s of running; the whole test stops by itself."""
import os
import random
import re
import signal
import threading
import time

from cairnlib import Alpha, Zero, http, lit, lsbackup, restore, workdir, expect

ROUNDS = int(os.environ.get("CAIRN_FAULT_ROUNDS", "10"))
SEED = int(os.environ.get("CAIRN_FAULT_SEED", "7"))
rng = random.Random(SEED)
wd = workdir("fault-backups")
dest = os.path.join(wd, "backups")

zero = Zero(wd)
ZERO_PORT, WAL = zero.port, zero.wal
# Group 1's commits stay in flight a while (between taking their
# timestamp and applying), so zero's deaths land in the middle of commits.
SLOW = {"CAIRN_FAULT_COMMIT_PAUSE_MS": "700"}
alphas = {1: Alpha(wd, zero, postings=os.path.join(wd, "p1"), env=SLOW),
          2: Alpha(wd, zero, postings=os.path.join(wd, "p2"))}
# Each group owns one predicate: the first to write it.
alphas[1].mutate("{ set { _:s <g1> %s . } }" % lit("seed-1"))
alphas[2].mutate("{ set { _:s <g2> %s . } }" % lit("seed-2"))
expect(alphas[2].export().count("<g2>") == 1)

lock = threading.Lock()
acked = []      # (k, group, commit_ts, n)
unacked = []    # (k, group, n): refused, failed or cut off: whole or absent
stop = threading.Event()
in_large = {1: threading.Event(), 2: threading.Event()}
counters = {"backups_ok": 0, "backups_failed": 0, "zero_kills": 0, "alpha_kills": 0, "stops": 0}
next_k = [0]


def new_k():
    with lock:
        next_k[0] += 1
        return next_k[0]


def writer(group):
    pred = "g%d" % group
    while not stop.is_set():
        k = new_k()
        large = rng.random() < 0.04
        n = rng.randint(2000, 4000) if large else rng.randint(1, 5)
        body = "{ set {\n%s\n} }" % "\n".join('_:n%d <%s> "m%d-%d" .' % (j, pred, k, j) for j in range(n))
        a = alphas[group]
        if large:
            in_large[group].set()
        try:
            st, out = http("POST", a.url + "/mutate?commitNow=true", body,
                           {"Content-Type": "application/rdf"}, timeout=30)
        except OSError:
            st, out = None, b""
        in_large[group].clear()
        with lock:
            if st == 200:
                import json
                acked.append((k, group, json.loads(out)["extensions"]["txn"]["commit_ts"], n))
            else:
                unacked.append((k, group, n))
        if st != 200:
            time.sleep(0.02)


restarted = threading.Event()


def backups():
    i = 0
    while not stop.is_set():
        # Right after zero comes back, and now and then.
        restarted.wait(rng.uniform(0.3, 1.2))
        restarted.clear()
        i += 1
        coord = alphas[2 if i % 3 else 1]
        try:
            out = coord.backup(dest, force_full=(i % 6 == 0))
            ok = "errors" not in out
        except (OSError, AssertionError, ValueError):
            ok = False
        with lock:
            counters["backups_ok" if ok else "backups_failed"] += 1


def faults():
    global zero
    for r in range(ROUNDS):
        time.sleep(rng.uniform(0.2, 1.5))
        zero.stop(signal.SIGKILL)
        counters["zero_kills"] += 1
        time.sleep(rng.uniform(0.0, 0.8))  # connections refused meanwhile
        zero = Zero(wd, wal=WAL, port=ZERO_PORT)
        restarted.set()
        if r == ROUNDS // 3:  # group 2's alpha stops answering for a while
            alphas[2].proc.p.send_signal(signal.SIGSTOP)
            time.sleep(rng.uniform(0.5, 1.5))
            alphas[2].proc.p.send_signal(signal.SIGCONT)
            counters["stops"] += 1
        if r == (2 * ROUNDS) // 3:  # group 1's alpha dies in a large commit
            in_large[1].wait(timeout=20)
            time.sleep(rng.uniform(0.0, 0.05))
            alphas[1].stop(signal.SIGKILL)
            counters["alpha_kills"] += 1
            alphas[1] = Alpha(wd, zero, postings=os.path.join(wd, "p1"), env=SLOW)


threads = [threading.Thread(target=writer, args=(1,)), threading.Thread(target=writer, args=(2,)),
           threading.Thread(target=backups)]
for t in threads:
    t.start()
t0 = time.time()
try:
    faults()
    time.sleep(1.0)
finally:
    stop.set()
    for t in threads:
        t.join(120)
# One more, once everything is back: it covers every acknowledged write (a
# watermark stuck behind a lost "done" would leave it short).
alphas[2].backup_ok(dest)
counters["backups_ok"] += 1
last = lsbackup(dest)[-1]
expect(last["read_ts"] >= max(a[2] for a in acked), (last, max(a[2] for a in acked)))
print("faults: %d zero kills, %d alpha kill(s) mid-commit, %d SIGSTOP(s) in %.0f s" %
      (counters["zero_kills"], counters["alpha_kills"], counters["stops"], time.time() - t0))
print("writes: %d acknowledged mutations (%d triples), %d unacknowledged" %
      (len(acked), sum(a[3] for a in acked), len(unacked)))
print("backups: %d answered Success, %d failed" % (counters["backups_ok"], counters["backups_failed"]))
expect(counters["zero_kills"] >= min(ROUNDS, 10) and counters["alpha_kills"] == 1)
expect(len(acked) > 50 and counters["backups_ok"] >= 5, (len(acked), counters))

listed = lsbackup(dest)
expect(len(listed) == counters["backups_ok"], (len(listed), counters))
for a in alphas.values():
    a.stop()
zero.stop()

VALUE = re.compile(r'^<0x[0-9a-f]+> <(g[12])> "(m(\d+)-(\d+)|seed-[12])" \.$')
by_k = {k: (g, ts, n) for k, g, ts, n in acked}
maybe = {k: (g, n) for k, g, n in unacked}
lost = extra = partial = 0
for i, b in enumerate(listed):
    rdir = os.path.join(wd, "restore-%d" % i)
    p = restore(["-p", rdir, "-l", dest, "--backup_id", b["backup_id"], "--backup_num", str(b["backup_num"]),
                 "--force_zero=false"])
    expect(p.returncode == 0, p.stdout + p.stderr)
    version = int(re.search(r"Restore version: (\d+)", p.stdout).group(1))
    expect(version == b["read_ts"], (version, b))
    z = Zero(wd, wal=os.path.join(rdir, "zw"))
    z.assign("timestamps", version)
    counts = {}
    groups = sorted(d for d in os.listdir(rdir) if re.match(r"p\d+$", d))
    expect(groups == ["p1", "p2"], groups)
    for gdir in groups:
        a = Alpha(wd, z, postings=os.path.join(rdir, gdir))
        for line in a.export().splitlines():
            m = VALUE.match(line)
            expect(m, ("unexpected line in a restore", line))
            if m.group(3):
                k = int(m.group(3))
                counts[k] = counts.get(k, 0) + 1
                if k not in by_k and k not in maybe:
                    extra += 1
        a.stop()
    z.stop()
    for k, (g, ts, n) in by_k.items():
        have = counts.get(k, 0)
        if ts <= b["read_ts"] and have != n:
            lost += 1
            print("LOST: mutation %d (group %d, commit_ts %d, %d triples) has %d in backup %s #%d (read_ts %d)" %
                  (k, g, ts, n, have, b["backup_id"], b["backup_num"], b["read_ts"]))
        if ts > b["read_ts"] and have:
            extra += 1
            print("EXTRA: mutation %d (commit_ts %d) is in backup read_ts %d" % (k, ts, b["read_ts"]))
    for k, (g, n) in maybe.items():
        have = counts.get(k, 0)
        if have not in (0, n):
            partial += 1
            print("PARTIAL: unacknowledged mutation %d has %d of %d triples" % (k, have, n))
print("restored and checked %d backups (%d series): %d lost, %d partial, %d that should not be there" %
      (len(listed), len({b["backup_id"] for b in listed}), lost, partial, extra))
expect(lost == 0 and partial == 0 and extra == 0)
print("1 passed, 0 failed")
