"""An alpha killed during a backup leaves no manifest; the next backup is
correctly incremental on the last complete one, removes the killed backup's
folder (objects and storage-nfs temporaries), and restore is unaffected. A
backup that is running (another cluster's, sharing the location, paused
between its objects and its manifest) keeps its folder and completes."""
import glob
import os
import signal
import threading
import time

from cairnlib import PLUGIN_DIR, Alpha, Model, Zero, lit, load_sample, lsbackup, restore, run, workdir, expect

wd = workdir("backup-killed")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
postings = os.path.join(wd, "p")
alpha = Alpha(wd, zero, postings=postings)
model = Model()
uids = load_sample(alpha, model, n_people=500)
alpha.backup_ok(dest)
r = alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[0], lit("changed")))
first = lsbackup(dest)
alpha.stop()

# Restart with a pause between the finished object and the manifest, then
# kill the alpha inside that window.
slow = Alpha(wd, zero, postings=postings, env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "20000"})
result = {}
t = threading.Thread(target=lambda: result.setdefault("r", _try(slow)))


def _try(a):
    try:
        return a.backup(dest)
    except Exception as e:  # the connection dies with the alpha
        return e


t.start()
deadline = time.time() + 20
objs = []
while time.time() < deadline:
    objs = [o for o in glob.glob(os.path.join(dest, "cairn.*", "*.backup"))
            if not any(o.startswith(os.path.join(dest, b["path"])) for b in first)]
    if objs:
        break
    time.sleep(0.05)
expect(objs, "the interrupted backup never wrote its object")
slow.stop(signal.SIGKILL)
t.join()
expect(not isinstance(result.get("r"), dict) or "errors" in result["r"], result)
interrupted = os.path.dirname(objs[0])
expect(not os.path.exists(os.path.join(interrupted, "manifest.json")))
expect(len(lsbackup(dest)) == 1, "an interrupted folder must not be listed as a backup")

# A write killed in the same folder left a storage-nfs temporary; an older
# backup killed while its only object was still a temporary left a folder
# holding that and the marker every backup writes first.
expect(sorted(os.listdir(interrupted)) == sorted(["backup.started", os.path.basename(objs[0])]),
       os.listdir(interrupted))
open(os.path.join(interrupted, ".tmp-r9-g2.backup.999999.0"), "wb").write(b"partial")
older = os.path.join(dest, "cairn.20000101.000000.000")
os.makedirs(older)
open(os.path.join(older, "backup.started"), "w").write("started")
open(os.path.join(older, ".tmp-r5-g1.backup.999998.0"), "wb").write(b"partial")

# The next backup is incremental on the last complete one, and removes the
# killed backup's folder.
alpha = Alpha(wd, zero, postings=postings)
alpha.backup_ok(dest)
expect(not os.path.exists(interrupted), "the killed backup's folder is still there")
expect(not os.path.exists(older), "the folder of a backup killed mid-object is still there")
for x in lsbackup(dest):
    expect(sorted(os.listdir(os.path.join(dest, x["path"]))) == ["manifest.json", "r%d-g1.backup" % x["read_ts"]],
           os.listdir(os.path.join(dest, x["path"])))
b = lsbackup(dest)
expect(len(b) == 2 and b[1]["type"] == "incremental" and b[1]["backup_num"] == 2, b)
expect(b[1]["since"] == b[0]["read_ts"] and b[1]["backup_id"] == b[0]["backup_id"], b)
want = alpha.export(b[1]["read_ts"])

out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
zero2.assign("timestamps", b[1]["read_ts"])
zero2.assign("uids", b[1]["max_uid"])
alpha2 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p1"))
expect(alpha2.export() == want)
# A running backup's folder is not touched: another cluster backs up to the
# same location and is held between its objects and its manifest while this
# cluster's backup starts before it and completes.
zero3 = Zero(wd, wal=os.path.join(wd, "zw3"))
held = Alpha(wd, zero3, postings=os.path.join(wd, "p-held"), env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "6000"})
held.mutate("{ set { _:x <name> %s . } }" % lit("other cluster"))
alpha.stop()
slow_mine = Alpha(wd, zero, postings=postings, env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "2000"})
alpha_done = {}
t1 = threading.Thread(target=lambda: alpha_done.setdefault("r", slow_mine.backup(dest)))
t1.start()
time.sleep(0.5)
t2 = threading.Thread(target=lambda: alpha_done.setdefault("held", held.backup(dest, force_full=True)))
t2.start()
t1.join()
mine = alpha_done["r"]
expect("errors" not in mine, mine)
held_dirs = [d for d in os.listdir(dest) if d.startswith("cairn.") and
             not os.path.exists(os.path.join(dest, d, "manifest.json"))]
expect(len(held_dirs) == 1 and os.listdir(os.path.join(dest, held_dirs[0])),
       "the running backup's folder was touched: %s" % held_dirs)
t2.join()
expect("errors" not in alpha_done["held"], alpha_done["held"])
expect(os.path.exists(os.path.join(dest, held_dirs[0], "manifest.json")))
v = run(["verify", "-l", dest] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
expect(v.returncode == 0, v.stdout + v.stderr)

for p in (held, zero3, slow_mine, alpha2, zero2, zero):
    p.stop()
print("1 passed, 0 failed")
