"""Scheduled backups (--backup_schedule) on a two-group cluster while writes
go on: the runs are backup tasks (the task query knows the id /metrics and the
log give), a full then three incrementals (full_every=3) in every series, the
newest backup restores to what the cluster held at its read_ts, /metrics
counts the runs; a destination that fails is retried, counted as failure and
recovers when fixed; a run that takes longer than the interval makes ticks
skipped, not piled up; after downtime one catch-up run is made at start;
the same schedule on a second alpha of the cluster is
skipped while the other's backup holds the cluster's lock, never failed; a
malformed spec (flag or ini) is refused at start naming what is wrong."""
import datetime
import os
import re
import threading
import time

from cairnlib import Alpha, Zero, expect, http, lit, lsbackup, restore, run, workdir

wd = workdir("backup-schedule")
dest = os.path.join(wd, "backups")
os.makedirs(dest)
SPEC = "destination=%s; every=2s; full_every=3" % dest

# A malformed spec is refused at start, as a flag and in the ini file.
zero = Zero(wd)
for spec, why in (("destination=%s;every=2" % dest, 'every="2" is not an interval'),
                  ("destination=%s;every=2s;full_evry=3" % dest, 'unknown key "full_evry"'),
                  ("destination=%s;cron=0 0 1 * *" % dest, "day, month and weekday must be *")):
    p = run(["alpha", "-p", os.path.join(wd, "p-bad"), "-z", zero.addr, "--backup_schedule", spec], timeout=60)
    expect(p.returncode != 0 and "error: --backup_schedule: " in p.stderr and why in p.stderr, (spec, p.stderr))
ini = os.path.join(wd, "bad.ini")
with open(ini, "w") as f:
    f.write("[alpha]\nbackup_schedule = destination=%s; every=2s; cron=*/5 * * * *\n" % dest)
p = run(["alpha", "-p", os.path.join(wd, "p-bad"), "-z", zero.addr, "--config", ini], timeout=60)
expect(p.returncode != 0 and "give exactly one of every" in p.stderr, p.stderr)

a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
# The schedule is given in the ini file: it belongs to the alpha it is configured on.
good_ini = os.path.join(wd, "alpha2.ini")
with open(good_ini, "w") as f:
    f.write("[alpha]\nbackup_schedule = %s\n" % SPEC)
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), extra=["--config", good_ini])

lease = zero.assign("uids", 100000)
next_uid = [lease["startId"]]
stop_writes = threading.Event()
acked = []
write_errors = []


def writer():
    """Writes into both groups until told to stop; every acknowledged commit recorded."""
    while not stop_writes.is_set():
        u = next_uid[0]
        next_uid[0] += 2
        try:
            r = a1.mutate("{ set { <0x%x> <name> %s . <0x%x> <name> %s . } }" % (u, lit("N%d" % u), u + 1, lit("M%d" % u)))
            acked.append(r["extensions"]["txn"]["commit_ts"])
            r = a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (u, u + 1))
            acked.append(r["extensions"]["txn"]["commit_ts"])
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            write_errors.append(repr(e))
            return
        time.sleep(0.02)


def metrics(alpha):
    st, body = http("GET", alpha.url + "/metrics")
    expect(st == 200)
    text = body.decode()
    out = {}
    for res in ("success", "failure", "skipped"):
        m = re.search(r'cairn_scheduled_backups_total\{destination="[^"]*",result="%s"\} (\d+)' % res, text)
        out[res] = int(m.group(1)) if m else None
    m = re.search(r'cairn_scheduled_backup_retries_total\{destination="[^"]*"\} (\d+)', text)
    out["retries"] = int(m.group(1)) if m else None
    m = re.search(r'cairn_scheduled_backup_last_task_info\{destination="[^"]*",task_id="(0x[0-9a-f]{16})"\} 1', text)
    out["task"] = m.group(1) if m else None
    out["last_success"] = 'cairn_backup_last_success_timestamp_seconds{destination="%s"}' % dest in text
    return out


def wait_for(cond, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


t = threading.Thread(target=writer, daemon=True)
t.start()
time.sleep(13)
stop_writes.set()
t.join()
expect(not write_errors, write_errors)
print("acknowledged writes: %d" % len(acked))
# One more run after the writes stopped, so the newest backup holds them all.
last_ts = max(acked)
wait_for(lambda: any(b["read_ts"] >= last_ts for b in lsbackup(dest)), 20, "a backup after the last write")
time.sleep(0.5)

# The pattern: each series is a full then incrementals 2..4 (full_every=3).
backups = sorted(lsbackup(dest), key=lambda b: b["read_ts"])
nums = [b["backup_num"] for b in backups]
print("backup_num pattern:", nums)
expect(len(backups) >= 5, nums)
expect(nums == [(i % 4) + 1 for i in range(len(nums))], nums)
expect(all((b["type"] == "full") == (b["backup_num"] == 1) for b in backups), backups)
expect(all(sorted(b["groups"]) == ["1", "2"] for b in backups), backups)

# /metrics: every backup at the destination was a successful scheduled run.
m = wait_for(lambda: (lambda x: x if x["success"] == len(lsbackup(dest)) else None)(metrics(a2)), 10, "the success count")
print("metrics after the normal phase:", m)
expect(m["failure"] == 0 and m["retries"] == 0 and m["last_success"], m)
expect(metrics(a1)["success"] is None)  # the schedule belongs to a2 only
# The newest run's task, as /metrics names it, is a backup task the task query knows.
st, out = a2.admin('query($id: String!) { task(input: {id: $id}) { kind status } }', {"id": m["task"]})
expect(st == 200 and out["data"]["task"]["kind"] == "Backup", out)
expect(("task %s" % m["task"]) in a2.proc.output())

# The newest backup restores to what the cluster held at its read_ts.
newest = sorted(lsbackup(dest), key=lambda b: b["read_ts"])[-1]
ts = newest["read_ts"]
want1, want2 = a1.export(ts), a2.export(ts)
expect(want1.count("\n") > 100 and want2.count("\n") > 50, (len(want1), len(want2)))
out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
expect("Restore version: %d" % ts in out.stdout, out.stdout)
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
zero2.assign("timestamps", ts)
r1 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p1"))
r2 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p2"))
expect(r1.export() == want1 and r2.export() == want2)
for p in (r1, r2, zero2):
    p.stop()
print("newest backup (read_ts %d, backup_num %d) restored equal to /export?read_ts" % (ts, newest["backup_num"]))

# A destination that fails (a file where the directory was: root ignores
# modes) is retried with backoff, counted as failure, and recovers when fixed.
before = metrics(a2)
n_before = len(lsbackup(dest))
moved = dest + ".moved"
os.rename(dest, moved)
with open(dest, "w") as f:
    f.write("not a directory\n")
m = wait_for(lambda: (lambda x: x if x["failure"] >= before["failure"] + 2 else None)(metrics(a2)), 20, "failures")
expect(m["retries"] >= before["retries"] + 2, m)  # each failed run was tried again first
os.remove(dest)
os.rename(moved, dest)
fixed = metrics(a2)
m = wait_for(lambda: (lambda x: x if x["success"] > fixed["success"] else None)(metrics(a2)), 20, "recovery")
expect(len(lsbackup(dest)) > n_before)
print("failing destination: %d failures, %d retries, then recovered" % (m["failure"] - before["failure"], m["retries"] - before["retries"]))
expect("failed (try 3 of 3" in a2.proc.output())

# After downtime (three ticks missed): one catch-up run at start, not three.
a2.stop()
time.sleep(7)
n_before = len(lsbackup(dest))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), extra=["--config", good_ini])
wait_for(lambda: len(lsbackup(dest)) >= n_before + 1, 10, "the catch-up run")
time.sleep(2.5)


def log_times(text, what):
    """The times (s) of the log lines holding what."""
    out = []
    for line in text.splitlines():
        if what in line:
            at = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")
            out.append(at.replace(tzinfo=datetime.timezone.utc).timestamp())
    return out


log = a2.proc.output()
started = log_times(log, "scheduled backups to ")[-1]
queued = log_times(log, "queued as task ")
caught_up = re.findall(r"queued as task (0x[0-9a-f]{16})", log)
# Before the first regular tick (ticks fall on whole seconds, every 2 s from
# the start's) exactly one run, at once.
expect(len([t for t in queued if t < int(started) + 2]) == 1, log[-3000:])
expect(queued[0] < started + 1.0, log[-3000:])
print("after 7 s down: one catch-up run (task %s)" % caught_up[0])

# A run longer than the interval: ticks are skipped, not queued behind it;
# and a1 with the same schedule is skipped (the cluster's lock), not failed.
a2.stop()
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), extra=["--config", good_ini],
           env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "5000"})
a1.stop()
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), extra=["--backup_schedule", SPEC])
n_before = len(lsbackup(dest))
window = 12
time.sleep(window)
m2, m1 = metrics(a2), metrics(a1)
print("slow runs over %d s: a2 %s, a1 %s" % (window, m2, m1))
expect(m2["skipped"] >= 2, m2)  # ticks while a2's 5 s run went on
expect(m2["failure"] == 0 and m1["failure"] == 0, (m2, m1))
expect(m1["skipped"] >= 1, m1)  # refused by the lock a2 held
# ... and quietly: no error logged, no failed backup counted.
expect(" E alpha: " not in a1.proc.output(), a1.proc.output()[-3000:])
st, body = http("GET", a1.url + "/metrics")
expect(re.search(r"cairn_backup_failures_total 0\n", body.decode()), body.decode())
expect('cairn_backup_failed_total{destination="%s"}' % dest not in body.decode() or
       'cairn_backup_failed_total{destination="%s"} 0\n' % dest in body.decode(), body.decode())
# Nothing piled up: at most the running task, never one queued behind it.
tasks = re.findall(r"queued as task (0x[0-9a-f]{16})", a2.proc.output())
queued = 0
for tid in tasks:
    st, out = a2.admin('query($id: String!) { task(input: {id: $id}) { status } }', {"id": tid})
    queued += out["data"]["task"]["status"] in ("Queued", "Running")
expect(queued <= 1, queued)
expect(len(tasks) <= window // 5 + 2, tasks)
for p in (a1, a2, zero):
    p.stop()
print("ok")
