"""The watermark (every backup's read timestamp) never passes a commit that is
still in flight, whatever zero does:

1. zero is killed (SIGKILL) and restarted while a commit is in flight: the
   restarted zero keeps its watermark below that commit until the alpha has
   reported in, and the next backup holds the commit;
2. zero is down when a commit finishes (its "done" is lost): the alpha tells
   it again once it is back, and the watermark passes the commit;
3. a restarted zero that cannot hear from an alpha (SIGSTOPped) makes a backup
   wait, then fail naming that alpha; it never reads below the cluster;
4. a repeated "done", or a "done" from another member, changes nothing;
5. an alpha that dies in the middle of a commit and stays dead: backups wait,
   then fail naming it; restarted, its commit is aborted.
"""
import json
import os
import signal
import threading
import time

from cairnlib import Alpha, Zero, http, lit, lsbackup, restore, workdir, expect

wd = workdir("watermark-faults")
zero = Zero(wd)
PAUSE_MS = 3000
alpha = Alpha(wd, zero, env={"CAIRN_FAULT_COMMIT_PAUSE_MS": str(PAUSE_MS)})
dest = os.path.join(wd, "backups")
alpha.mutate("{ set { _:a <name> %s . } }" % lit("seed"))
alpha.backup_ok(dest)


def mutate_async(value, out):
    st, body = http("POST", alpha.url + "/mutate?commitNow=true", "{ set { _:x <name> %s . } }" % lit(value),
                    {"Content-Type": "application/rdf"}, timeout=60)
    out.append((st, json.loads(body)))


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def start_commit(value):
    """Sends a mutation on its own thread and returns once zero has handed
    it a timestamp (it is then in flight for PAUSE_MS): (thread, result list, ts)."""
    res = []
    t = threading.Thread(target=mutate_async, args=(value, res))
    before = zero.state()["maxTxnTs"]
    t.start()
    wait_for(lambda: zero.state()["maxTxnTs"] > before, "%s to get its timestamp" % value)
    return t, res, zero.state()["maxTxnTs"]


def restart_zero(down_s=0.0):
    global zero
    port, wal = zero.port, zero.wal
    zero.stop(signal.SIGKILL)
    time.sleep(down_s)
    zero = Zero(wd, wal=wal, port=port)


# 1. zero killed and restarted while a commit is in flight.
t, res, ts_inflight = start_commit("in-flight-1")
restart_zero()
st = zero.state()
expect(st["watermark"] < ts_inflight, ("a restarted zero passed a commit in flight", st, ts_inflight))
t.join()
expect(res and res[0][0] == 200, res)
commit_ts = res[0][1]["extensions"]["txn"]["commit_ts"]
expect(commit_ts == ts_inflight, (commit_ts, ts_inflight))
wait_for(lambda: zero.state()["watermark"] >= commit_ts, "the watermark to pass the finished commit")
expect(zero.state()["recovering"] is False, zero.state())
alpha.backup_ok(dest)
b = lsbackup(dest)[-1]
expect(b["read_ts"] >= commit_ts, b)
print("zero killed during a commit: watermark held below %d, then passed it; backup read_ts %d" %
      (commit_ts, b["read_ts"]))

# 2. zero down when the commit finishes: its done is told again later.
t, res, _ = start_commit("in-flight-2")
port, wal = zero.port, zero.wal
zero.stop(signal.SIGKILL)
t.join()  # the commit finishes while zero is down: done is refused
expect(res and res[0][0] == 200, res)
commit_ts2 = res[0][1]["extensions"]["txn"]["commit_ts"]
time.sleep(1.0)
st_, metrics = http("GET", alpha.url + "/metrics")
expect(b"cairn_commits_unreported 1" in metrics, metrics)
zero = Zero(wd, wal=wal, port=port)
wait_for(lambda: zero.state()["watermark"] >= commit_ts2, "the lost done to be told again")
wait_for(lambda: b"cairn_commits_unreported 0" in http("GET", alpha.url + "/metrics")[1], "the metric to clear")
log = alpha.proc.output()
expect("heartbeat will tell it" in log, log[-3000:])
print("done lost while zero was down: told again; watermark %d >= %d" % (zero.state()["watermark"], commit_ts2))

# 4. a repeated done, or one from a member that does not hold the commit, changes nothing.
t, res, ts3 = start_commit("in-flight-3")
member = int(open(os.path.join(alpha.postings, "member_id")).read())
other = Alpha(wd, zero, postings=os.path.join(wd, "p2"))
other_member = int(open(os.path.join(other.postings, "member_id")).read())
expect(other_member != member, (member, other_member))
st_, _ = http("POST", "http://%s/internal/done?member=%d" % (zero.addr, other_member), json.dumps({"done": [ts3]}))
expect(st_ == 200)
expect(zero.state()["watermark"] < ts3, "another member's done released a commit in flight")
t.join()
wait_for(lambda: zero.state()["watermark"] >= ts3, "the third commit to be done")
for _ in range(2):
    st_, _ = http("POST", "http://%s/internal/done?member=%d" % (zero.addr, member), json.dumps({"done": [ts3]}))
    expect(st_ == 200)
expect(zero.state()["watermark"] >= ts3)
other.stop()

# 3. a restarted zero that cannot hear from an alpha: backups wait, then fail naming it.
alpha2 = Alpha(wd, zero, postings=os.path.join(wd, "p2"))  # the same member as `other`, back again
alpha2.proc.p.send_signal(signal.SIGSTOP)
try:
    restart_zero()
    st = zero.state()
    expect(st["recovering"] is True and any(w["addr"] == alpha2.addr for w in st["waitingFor"]), st)
    t0 = time.time()
    out = alpha.backup(dest)
    took = time.time() - t0
    msg = out.get("errors", [{}])[0].get("message", "")
    expect("has not heard from alpha " + alpha2.addr in msg, out)
    expect(took >= 25, took)
    print("zero cannot hear from a stopped alpha: backup waited %.0f s and failed: %s" % (took, msg[:90]))
finally:
    alpha2.proc.p.send_signal(signal.SIGCONT)
wait_for(lambda: not zero.state()["recovering"], "the stopped alpha to report in")
alpha.backup_ok(dest)

# 5. an alpha killed in the middle of a commit and not restarted: its commit
# stays in flight, so a backup waits, then fails naming that alpha; once it
# is restarted the commit is aborted (never applied) and backups go on.
t, res, _ = start_commit("never-acknowledged")
alpha.proc.stop(signal.SIGKILL)
try:
    t.join()
except Exception:
    pass
out = alpha2.backup(dest)  # at once: its group cannot answer
msg = out.get("errors", [{}])[0].get("message", "")
expect("group 1" in msg and alpha.addr in msg, out)
time.sleep(10)  # now the commit has been in flight long enough to hold backups back
t0 = time.time()
out = alpha2.backup(dest)
msg = out.get("errors", [{}])[0].get("message", "")
expect("has been in flight" in msg and alpha.addr in msg, out)
print("an alpha died mid-commit: backup waited %.0f s and failed: %s" % (time.time() - t0, msg[:100]))
alpha = Alpha(wd, zero, postings=alpha.postings, env={"CAIRN_FAULT_COMMIT_PAUSE_MS": str(PAUSE_MS)})
alpha2.backup_ok(dest)
alpha2.stop()

# Every acknowledged write is in the newest backup's restore.
alpha.stop()
rdir = os.path.join(wd, "restored")
p = restore(["-p", rdir, "-l", dest, "--force_zero=false"])
expect(p.returncode == 0, p.stdout + p.stderr)
zero.stop()
z2 = Zero(wd, wal=os.path.join(wd, "zw2"))
version = int(p.stdout.split("Restore version: ")[1].split()[0])
z2.assign("timestamps", version)
z2.assign("uids", int(p.stdout.split("Restore max uid: ")[1].split()[0]))
check = Alpha(wd, z2, postings=os.path.join(rdir, "p1"))
exported = check.export()
for v in ("seed", "in-flight-1", "in-flight-2", "in-flight-3"):
    expect(lit(v) in exported, (v, exported[:2000]))
expect(lit("never-acknowledged") not in exported, "a commit killed in flight was restored")
check.stop()
z2.stop()
print("1 passed, 0 failed")
