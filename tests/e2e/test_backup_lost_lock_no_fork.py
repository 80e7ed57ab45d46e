"""A backup that lost the cluster's backup lock never forks its series.
Two backups plan the same next incremental of one series (here: two
clusters at one location; in one cluster, a coordinator whose lock zero
released because it looked dead; the two zeros are given one epoch, the
data history a backup series follows, as one cluster's would have). The one
that finishes first writes its
manifest; the other, re-reading the series just before its manifest, finds
its backup_num taken and fails naming the other backup, with no manifest.
The series stays one chain that verifies."""
import glob
import json
import os
import threading
import time

from cairnlib import PLUGIN_DIR, Alpha, Zero, lit, lsbackup, run, workdir, expect

wd = workdir("lost-lock-no-fork")
dest = os.path.join(wd, "backups")
zx = Zero(wd, wal=os.path.join(wd, "zx"))
ax = Alpha(wd, zx, postings=os.path.join(wd, "px"), env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "4000"})
zy = Zero(wd, wal=os.path.join(wd, "zy"))
zy.stop()
state = glob.glob(os.path.join(wd, "zy", "*.json"))
expect(len(state) == 1, state)
st = json.load(open(state[0]))
st["epoch"] = zx.state()["epoch"]
json.dump(st, open(state[0], "w"))
zy = Zero(wd, wal=os.path.join(wd, "zy"))
expect(zy.state()["epoch"] == zx.state()["epoch"])
ay = Alpha(wd, zy, postings=os.path.join(wd, "py"), env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "1000"})
ax.mutate("{ set { _:a <name> %s . } }" % lit("x"))
ax.backup_ok(dest)
first = lsbackup(dest)[0]
zy.assign("timestamps", first["read_ts"] + 10)
ay.mutate("{ set { _:a <name> %s . } }" % lit("y"))

res = {}
ty = threading.Thread(target=lambda: res.setdefault("y", ay.backup(dest)))
tx = threading.Thread(target=lambda: res.setdefault("x", ax.backup(dest)))
ty.start()
time.sleep(0.3)
tx.start()
ty.join()
tx.join()
expect("errors" not in res["y"], res["y"])
expect("errors" in res["x"], res["x"])
msg = res["x"]["errors"][0]["message"]
expect("backup 2 of series %s was written by another backup" % first["backup_id"] in msg, msg)
expect("no manifest was written" in msg, msg)
b = lsbackup(dest)
expect([(x["backup_id"], x["backup_num"]) for x in b] == [(first["backup_id"], 1), (first["backup_id"], 2)], b)
v = run(["verify", "-l", dest] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
expect(v.returncode == 0, v.stdout + v.stderr)
for p in (ax, ay, zx, zy):
    p.stop()
print("1 passed, 0 failed")
