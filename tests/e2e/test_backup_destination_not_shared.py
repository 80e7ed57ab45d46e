"""A destination that is not really shared fails the backup naming the
group: the second group's alpha runs in its own mount namespace with a
tmpfs over the destination path, so its object lands in a directory only it
sees. The coordinator checks every group's object through its own storage
handle before the manifest, so the backup fails naming group 2 and its
object, and no manifest is written."""
import glob
import os
import shutil
import stat

import cairnlib
from cairnlib import Alpha, Zero, lit, workdir, expect

if os.geteuid() != 0 or not shutil.which("unshare"):
    print("skipped: needs root and unshare for a private mount namespace")
    raise SystemExit(0)

wd = workdir("backup-not-shared")
dest = os.path.join(wd, "backups")
os.makedirs(dest)
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))

# The second alpha sees its own empty tmpfs at the destination's path.
wrapper = os.path.join(wd, "cairn-private-dest.sh")
with open(wrapper, "w") as f:
    f.write("#!/bin/sh\nexec unshare -m sh -c 'mount -t tmpfs tmpfs \"$0\" && exec \"$@\"' %s %s \"$@\"\n"
            % (dest, cairnlib.CAIRN))
os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
real, cairnlib.CAIRN = cairnlib.CAIRN, wrapper
try:
    a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
finally:
    cairnlib.CAIRN = real
expect(open(os.path.join(wd, "p-a2", "group_id")).read().strip() == "2")

lease = zero.assign("uids", 10)
a1.mutate("{ set { <0x%x> <name> %s . } }" % (lease["startId"], lit("one")))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (lease["startId"], lease["startId"] + 1))

out = a1.backup(dest)
expect("errors" in out, out)
msg = out["errors"][0]["message"]
expect("group 2 wrote its object" in msg and "-g2.backup" in msg and "shared destination" in msg, msg)
expect("no manifest was written" in msg, msg)
expect(not glob.glob(os.path.join(dest, "*", "manifest.json")), os.listdir(dest))
# Group 1's own object is where the coordinator wrote it; group 2's is not.
expect(glob.glob(os.path.join(dest, "*", "*-g1.backup")) and not glob.glob(os.path.join(dest, "*", "*-g2.backup")))

# Coordinated from the other side, group 1's object is the one missing.
out = a2.backup(dest)
expect("errors" in out, out)
msg = out["errors"][0]["message"]
expect("group 1 wrote its object" in msg and "shared destination" in msg, msg)
expect(not glob.glob(os.path.join(dest, "*", "manifest.json")), os.listdir(dest))

for p in (a2, a1, zero):
    p.stop()
print("1 passed, 0 failed")
