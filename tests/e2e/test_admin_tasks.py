"""Backups as tasks: `backup(input: {async: true})` answers at once with a
task id; `task` shows it Queued or Running, then Success with the bytes and
objects written; later backups queue behind it and run one at a time in the
order asked; a failing backup ends Failed with its error; an unknown id is a
clear error; a full queue is refused naming the running task; tasks.json
and the log hold no credential; after a SIGKILL the restarted alpha still
answers the finished tasks, and those queued or running at the kill are
Failed with a message saying the alpha restarted.

Backups are made slow with CAIRN_FAULT_BACKUP_PAUSE_MS (a pause before each
manifest), so that a task is still running while the next ones are asked."""
import json
import os
import re
import signal
import time

from cairnlib import Alpha, Model, Zero, load_sample, lsbackup, note_secret, workdir, expect

PAUSE_MS = 2500
wd = workdir("admin-tasks")
dest = os.path.join(wd, "backups")
postings = os.path.join(wd, "p")
zero = Zero(wd)
env = {"CAIRN_FAULT_BACKUP_PAUSE_MS": str(PAUSE_MS)}
alpha = Alpha(wd, zero, postings=postings, env=env)
load_sample(alpha, Model(), n_people=300)

BACKUP = "mutation($in: BackupInput!) { backup(input: $in) { response { code message } taskId } }"
TASK = "query($id: String!) { task(input: {id: $id}) { status lastUpdated kind bytes objects error } }"
ID = re.compile(r"^0x[0-9a-f]{16}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def submit(inp, async_=True):
    inp = dict(inp, **{"async": async_})
    st, out = alpha.admin(BACKUP, {"in": inp})
    expect(st == 200, (st, out))
    return out


def queued(inp):
    out = submit(inp)
    expect("errors" not in out, out)
    b = out["data"]["backup"]
    expect(b["response"] == {"code": "Success", "message": "Backup queued."}, out)
    expect(ID.match(b["taskId"]), b)
    return b["taskId"]


def task(tid, a=None):
    st, out = (a or alpha).admin(TASK, {"id": tid})
    expect(st == 200, (st, out))
    expect("errors" not in out, out)
    t = out["data"]["task"]
    expect(t["kind"] == "Backup" and RFC3339.match(t["lastUpdated"]), t)
    return t


def ongoing():
    st, out = alpha.admin("{ health { ongoing } }")
    return out["data"]["health"][0]["ongoing"]


def wait_all(ids, timeout=120):
    """Polls until every task has finished; returns (final states, the order
    they finished in, whether a health check ever saw opBackup while one ran,
    whether a running task ever showed bytes written). Checks that no two
    ran at once and that none ran before an earlier one finished."""
    deadline, order, saw_ongoing, saw_bytes = time.time() + timeout, [], False, False
    while time.time() < deadline:
        # Newest first: a task only starts after the ones before it have
        # finished, so read in this order no two can look Running at once.
        states = {i: task(i) for i in reversed(ids)}
        running = [i for i in ids if states[i]["status"] == "Running"]
        expect(len(running) <= 1, states)
        for i in ids:
            if states[i]["status"] in ("Failed", "Success") and i not in order:
                order.append(i)
        if running:
            k = ids.index(running[0])
            expect(all(states[j]["status"] in ("Failed", "Success") for j in ids[:k]), states)
            expect(all(states[j]["status"] == "Queued" for j in ids[k + 1:]), states)
            saw_ongoing = saw_ongoing or ongoing() == ["opBackup"]
            saw_bytes = saw_bytes or (states[running[0]]["bytes"] > 0 and states[running[0]]["objects"] == 1)
        if len(order) == len(ids):
            return states, order, saw_ongoing, saw_bytes
        time.sleep(0.1)
    raise AssertionError("tasks did not finish: %s" % states)


# 1. Three async backups: answered at once, run in order, one at a time.
t1 = queued({"destination": dest})
expect(task(t1)["status"] in ("Queued", "Running"), task(t1))
t2 = queued({"destination": dest})
t3 = queued({"destination": dest, "forceFull": True})
expect(task(t2)["status"] == "Queued" and task(t3)["status"] == "Queued", (task(t2), task(t3)))
states, order, saw, live = wait_all([t1, t2, t3])
expect(order == [t1, t2, t3], order)
expect(saw, "health's ongoing never showed opBackup while a backup ran")
# The object is complete before the (paused) manifest: progress shows it.
expect(live, "a running backup never showed the bytes of its object")
for i in (t1, t2, t3):
    s = states[i]
    expect(s["status"] == "Success" and s["bytes"] > 0 and s["objects"] == 1 and s["error"] is None, s)
b = lsbackup(dest)
expect([x["type"] for x in b] == ["full", "incremental", "full"], b)
expect(states[t1]["bytes"] == b[0]["size"] and states[t3]["bytes"] == b[2]["size"], (states, b))
expect(ongoing() == [], ongoing())
print("three async backups ran in order:", order)

# The default still waits, and answers the task's id.
out = submit({"destination": dest}, async_=False)
expect("errors" not in out and out["data"]["backup"]["response"]["message"] == "Backup completed.", out)
expect(task(out["data"]["backup"]["taskId"])["status"] == "Success")

# 2. Failing backups end Failed with their error; a waiting one answers it.
blocker = os.path.join(wd, "a-file")
open(blocker, "w").write("x")
secret = "tasks-secret-" + os.urandom(8).hex()
access = "AKIATASKS" + os.urandom(4).hex().upper()
note_secret(secret)
note_secret(access)
f1 = queued({"destination": blocker + "/sub", "accessKey": access, "secretKey": secret})
f2 = queued({"destination": "nosuch://bucket/x"})
states = wait_all([f1, f2])[0]
expect(states[f1]["status"] == "Failed" and "not a directory" in states[f1]["error"], states[f1])
expect(states[f2]["status"] == "Failed" and 'no storage plugin handles scheme "nosuch"' in states[f2]["error"], states[f2])
expect(states[f1]["bytes"] == 0, states[f1])
out = submit({"destination": "nosuch://bucket/x"}, async_=False)
expect(out["data"]["backup"] is None and "nosuch" in out["errors"][0]["message"], out)
print("failed task:", states[f1]["error"])

# 3. An unknown id: an error and null.
for bad in ("0x0000000000000000", "not-an-id", ""):
    st, out = alpha.admin(TASK, {"id": bad})
    expect(out["data"]["task"] is None and "no task with this id" in out["errors"][0]["message"], out)

# 4. A full queue: one running, CAIRN_TASKS_QUEUE_MAX (8) queued, the next refused.
slow = queued({"destination": dest, "accessKey": access, "secretKey": secret})
deadline = time.time() + 30
while task(slow)["status"] != "Running" and time.time() < deadline:
    time.sleep(0.05)
fast = []
refused = None
for n in range(12):
    out = submit({"destination": "nosuch://bucket/q%d" % n})
    if "errors" in out:
        refused = out
        break
    fast.append(out["data"]["backup"]["taskId"])
expect(refused is not None and len(fast) == 8, (len(fast), refused))
msg = refused["errors"][0]["message"]
expect("task queue is full" in msg and slow in msg, msg)
expect(task(slow)["status"] == "Running", task(slow))
print("full queue:", msg)
states, order = wait_all([slow] + fast)[:2]
expect(order == [slow] + fast and states[slow]["status"] == "Success", (order, states[slow]))

# 5. No credential in tasks.json or the log.
tasks_json = open(os.path.join(postings, "tasks.json")).read()
expect(secret not in tasks_json and access not in tasks_json, "a credential is in tasks.json")
expect(slow in tasks_json and t1 in tasks_json, tasks_json[:500])
expect(secret not in alpha.proc.output() and access not in alpha.proc.output(), "a credential is in the log")

# 6. SIGKILL with one running and two queued; the restart fails them.
finished = {i: task(i) for i in (t1, t2, t3, f1, f2, slow)}
k1 = queued({"destination": dest, "secretKey": secret, "accessKey": access})
k2 = queued({"destination": dest})
k3 = queued({"destination": dest})
deadline = time.time() + 30
while task(k1)["status"] != "Running" and time.time() < deadline:
    time.sleep(0.05)
expect(task(k1)["status"] == "Running" and task(k2)["status"] == "Queued" and task(k3)["status"] == "Queued")
alpha.stop(signal.SIGKILL)
alpha = Alpha(wd, zero, postings=postings)
for i, before in finished.items():
    now = task(i)
    expect(now == before, (i, before, now))
for i in (k1, k2, k3):
    t = task(i)
    expect(t["status"] == "Failed" and "the alpha restarted" in t["error"], t)
print("after the restart:", task(k2)["error"])
tasks_json = open(os.path.join(postings, "tasks.json")).read()
expect(secret not in tasks_json and access not in tasks_json, "a credential is in tasks.json")
rec = json.loads(tasks_json)["tasks"]
expect(all(set(r) <= {"id", "kind", "status", "lastUpdated", "bytes", "objects", "error", "message"} for r in rec), rec)

alpha.stop()
expect(secret not in alpha.proc.output() and access not in alpha.proc.output(), "a credential is in the log")
zero.stop()
print("PASS")
