"""A hung member freezes nothing for longer than a deadline. Group 2's alpha
holds the cluster's backup lock (its backup paused) and is then stopped
(SIGSTOP): zero keeps answering /health and /state at once, group 1's
/mutate keeps succeeding, and a backup through group 1 takes the lock from
the silent holder and then fails within its deadline naming group 2,
instead of hanging. After SIGCONT both alphas serve and a backup succeeds."""
import os
import signal
import threading
import time

from cairnlib import Alpha, Zero, expect, http, lit, lsbackup, workdir

DEADLINE_S = 25  # lock probe 2 s + a group silent on /health for 10 s, and slack

wd = workdir("hung-member")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p2"), env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "8000"})
u = zero.assign("uids", 100)["startId"]
a1.mutate("{ set { <0x%x> <name> %s . } }" % (u, lit("one")))
a2.mutate("{ set { <0x%x> <city> %s . } }" % (u, lit("two")))
expect(sorted(zero.state()["groups"]) == ["1", "2"])

held = {}
holder = threading.Thread(target=lambda: held.setdefault("out", a2.backup(dest)))
holder.start()
time.sleep(2)  # a2 holds the lock, paused before its manifest
a2.proc.p.send_signal(signal.SIGSTOP)
t_stop = time.time()

result = {}


def backup_g1():
    t0 = time.time()
    result["out"] = a1.backup(dest)
    result["took"] = time.time() - t0


b = threading.Thread(target=backup_g1)
b.start()
lat = {"zero /health": 0.0, "zero /state": 0.0, "group 1 /mutate": 0.0}
n = 0
while b.is_alive() and time.time() - t_stop < DEADLINE_S + 10:
    for what, fn in (("zero /health", lambda: http("GET", "http://%s/health" % zero.addr, timeout=10)),
                     ("zero /state", lambda: http("GET", "http://%s/state" % zero.addr, timeout=10)),
                     ("group 1 /mutate", lambda: http("POST", a1.url + "/mutate?commitNow=true",
                                                      "{ set { <0x%x> <name> %s . } }" % (u + 1, lit("w%d" % n)),
                                                      timeout=10))):
        t0 = time.time()
        st, body = fn()
        lat[what] = max(lat[what], time.time() - t0)
        expect(st == 200, (what, st, body))
    n += 1
    time.sleep(0.2)
b.join(timeout=60)
expect(not b.is_alive(), "the backup through group 1 hung")
msg = result["out"]["errors"][0]["message"] if "errors" in result["out"] else ""
print("while group 2's alpha was stopped: %d rounds, slowest %s" %
      (n, ", ".join("%s %.3f s" % kv for kv in lat.items())))
print("backup through group 1 failed after %.1f s: %s" % (result["took"], msg))
expect(max(lat.values()) < 2.0, lat)
expect("group 2" in msg and "stopped answering" in msg and a2.addr in msg, msg)
expect(result["took"] < DEADLINE_S, result["took"])

a2.proc.p.send_signal(signal.SIGCONT)
t_cont = time.time()
holder.join(timeout=60)
expect(not holder.is_alive(), "group 2's own backup never ended after SIGCONT")
print("after SIGCONT, group 2's paused backup ended in %.1f s: %s" %
      (time.time() - t_cont, "errors" in held["out"] and held["out"]["errors"][0]["message"] or "completed"))
a2.mutate("{ set { <0x%x> <city> %s . } }" % (u + 2, lit("back")))
t0 = time.time()
a1.backup_ok(dest)
print("then a backup through group 1 completed in %.1f s; %d backup(s) listed" % (time.time() - t0, len(lsbackup(dest))))
a1.stop()
a2.stop()
zero.stop()
print("PASS")
