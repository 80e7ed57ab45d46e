"""Locations an operator gets wrong are refused, never read as "no backups":
lsbackup on a missing directory exits 1; a listing refused with EACCES says
the user needs *read* access; a tree of 2,100 nested directories under a
cairn.* folder is not walked (the listing stays fast under a 64-descriptor
limit); a cairn.* folder, a manifest.json or an object that is a symbolic
link is refused by lsbackup, verify and restore, naming the link, and the
object's target outside the location is never read."""
import os
import resource
import shutil
import subprocess
import tempfile
import time

from cairnlib import CAIRN, NOBODY_ENV, PLUGIN_DIR, Alpha, Model, Zero, expect, load_sample, restore, run, workdir

wd = workdir("locations-links")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
load_sample(alpha, Model(), n_people=50)
alpha.backup_ok(dest)
alpha.stop()
zero.stop()
folder = [f for f in os.listdir(dest) if f.startswith("cairn.")][0]
pd = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []


def last_error(p):
    lines = p.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def refused(cmd, loc, want, preexec=None):
    args = [cmd, "-l", loc] + pd
    if cmd == "restore":
        target = os.path.join(wd, "p-" + os.path.basename(loc))
        args += ["-p", target, "--force_zero=false"]
    p = run(args)
    expect(p.returncode == 1, (cmd, loc, p.returncode, p.stdout, p.stderr))
    expect(want in last_error(p), (cmd, want, p.stderr))
    print("%s -l %s -> exit 1: %s" % (cmd, os.path.basename(loc), last_error(p)))
    return p


# A missing location.
refused("lsbackup", os.path.join(wd, "nonexistent"), "no backups found")

# EACCES on a listing names read access (run as nobody on a copy it cannot read).
open_dir = tempfile.mkdtemp(prefix="cairn-loc-")
os.chmod(open_dir, 0o755)
shutil.copy2(shutil.which(CAIRN), os.path.join(open_dir, "cairn"))
shutil.copytree(PLUGIN_DIR, os.path.join(open_dir, "plugins"))
locked = os.path.join(open_dir, "locked")
shutil.copytree(dest, locked)
os.chmod(locked, 0o300)  # write and search, no read
p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=65534", "--clear-groups",
                    os.path.join(open_dir, "cairn"), "lsbackup", "-l", locked,
                    "--plugin_dir", os.path.join(open_dir, "plugins")],
                   capture_output=True, text=True, timeout=60, env=NOBODY_ENV)
expect(p.returncode == 1 and "needs read access" in last_error(p) and "write access" not in p.stderr,
       p.stderr)
print("lsbackup as nobody on an unreadable location: %s" % last_error(p))
shutil.rmtree(open_dir, ignore_errors=True)

# 2,100 nested directories under a cairn.* folder: not descended. Built
# outside the logs (which the suite's checks walk) and removed with rm -rf.
deep_root = tempfile.mkdtemp(prefix="cairn-deep-")
deep = os.path.join(deep_root, "deep")
shutil.copytree(dest, deep)
cwd = os.getcwd()
os.chdir(os.path.join(deep, folder))
for _ in range(2100):
    os.mkdir("d")
    os.chdir("d")
os.chdir(cwd)


def few_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


t0 = time.monotonic()
p = subprocess.run([CAIRN, "lsbackup", "-l", deep] + pd,
                   capture_output=True, text=True, timeout=60, preexec_fn=few_fds)
subprocess.run(["rm", "-rf", deep_root], check=True)
expect(p.returncode == 0 and folder in p.stdout, p.stderr)
print("lsbackup over 2,100 nested directories with 64 descriptors: exit 0 in %.2f s (noisy)" % (time.monotonic() - t0))

# A cairn.* folder that is a symbolic link.
loc = os.path.join(wd, "linked-folder")
os.makedirs(loc)
os.symlink(os.path.join(dest, folder), os.path.join(loc, folder))
for cmd in ("lsbackup", "verify", "restore"):
    refused(cmd, loc, os.path.join(loc, folder) + " is a symbolic link")

# A manifest.json that is a symbolic link.
loc = os.path.join(wd, "linked-manifest")
shutil.copytree(dest, loc)
man = os.path.join(loc, folder, "manifest.json")
os.rename(man, os.path.join(wd, "manifest-elsewhere.json"))
os.symlink(os.path.join(wd, "manifest-elsewhere.json"), man)
for cmd in ("lsbackup", "verify", "restore"):
    refused(cmd, loc, man + " is a symbolic link")

# An object that is a symbolic link to a file outside the location.
loc = os.path.join(wd, "linked-object")
shutil.copytree(dest, loc)
obj = [f for f in os.listdir(os.path.join(loc, folder)) if f.endswith(".backup")][0]
outside = os.path.join(wd, "outside.backup")
os.rename(os.path.join(loc, folder, obj), outside)
os.symlink(outside, os.path.join(loc, folder, obj))
for cmd in ("lsbackup", "verify", "restore"):
    refused(cmd, loc, os.path.join(loc, folder, obj) + " is a symbolic link")
expect(not os.path.exists(os.path.join(wd, "p-linked-object")), "restore wrote its target")
print("1 passed, 0 failed")
