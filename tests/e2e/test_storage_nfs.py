"""storage-nfs through the real plugin loader (storage_tool): streaming
write, list by prefix, read, stat, remove, missing directories created, an
aborted write leaves nothing, and EACCES, ENOSPC, ENOTDIR and a relative
path each give a clear error."""
import os
import shutil
import subprocess
import tempfile

from cairnlib import NOBODY_ENV, PLUGIN_DIR, workdir, expect

TOOL = os.path.join(os.environ["CAIRN_BUILD_DIR"], "tests", "storage_tool")
wd = workdir("storage-nfs")


# The build tree (and wd) may sit below a directory nobody cannot enter (a
# clone in a mktemp -d), so the run as nobody uses copies in a directory it can.
open_dir = tempfile.mkdtemp(prefix="cairn-nfs-")
os.chmod(open_dir, 0o755)
shutil.copy2(TOOL, os.path.join(open_dir, "storage_tool"))
shutil.copytree(PLUGIN_DIR, os.path.join(open_dir, "plugins"))


def tool(*args, data=None, user=None):
    cmd = [TOOL, "--plugin_dir", PLUGIN_DIR] + list(args)
    if user:
        cmd = ["setpriv", "--reuid=%s" % user, "--regid=65534", "--clear-groups",
               os.path.join(open_dir, "storage_tool"), "--plugin_dir", os.path.join(open_dir, "plugins")] + list(args)
    return subprocess.run(cmd, input=data, capture_output=True, env=NOBODY_ENV if user else None)


root = os.path.join(wd, "dest", "not", "yet")  # does not exist yet
big = os.urandom(5 * 1024 * 1024 + 123)
for loc in (root, "file://" + root):
    r = tool("put", loc, "cairn.1/r5-g1.backup", data=big)
    expect(r.returncode == 0, r.stderr)
    r = tool("get", loc, "cairn.1/r5-g1.backup")
    expect(r.returncode == 0 and r.stdout == big)
r = tool("put", root, "cairn.1/manifest.json", data=b"{}")
r = tool("put", root, "other/x", data=b"x")
r = tool("list", root, "cairn.")
expect(r.stdout.decode().splitlines() == ["%d\tcairn.1/manifest.json" % 2, "%d\tcairn.1/r5-g1.backup" % len(big)], r.stdout)
r = tool("list", root)
expect(len(r.stdout.decode().splitlines()) == 3)
r = tool("stat", root, "cairn.1/r5-g1.backup")
expect(r.returncode == 0 and r.stdout.decode().strip() == str(len(big)), r)
expect(tool("stat", root, "cairn.1/none").returncode == 3)
expect(tool("rm", root, "other/x").returncode == 0)
expect(tool("stat", root, "other/x").returncode == 3)
# An aborted write leaves no object and no temporary.
r = tool("put", root, "cairn.2/obj", "--abort", data=big)
expect(r.returncode == 0, r.stderr)
expect(not os.path.exists(os.path.join(root, "cairn.2", "obj")))
expect([f for f in os.listdir(os.path.join(root, "cairn.2"))] == [])
# Names may not escape the location.
r = tool("put", root, "../escape", data=b"x")
expect(r.returncode == 1 and b"bad object name" in r.stderr, r.stderr)

# Errors, one line each.
def one_error(r, want):
    lines = r.stderr.decode().strip().splitlines()
    expect(r.returncode == 1 and lines and want in lines[-1], (want, r.stderr))


one_error(tool("put", "relative/dir", "x", data=b"x"), "absolute path")
locked = os.path.join(open_dir, "locked")
os.makedirs(locked)
os.chmod(locked, 0o500)
one_error(tool("put", locked, "a/b", data=b"x", user="nobody"), "permission denied")
blocker = os.path.join(wd, "file")
open(blocker, "w").write("x")
one_error(tool("put", blocker + "/sub", "x", data=b"x"), "a path component is not a directory")
one_error(tool("put", blocker, "x", data=b"x"), "exists and is not a directory")
small = tempfile.mkdtemp(dir=wd)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small], check=True)
try:
    one_error(tool("put", small, "full/obj", data=os.urandom(1024 * 1024)), "no space left on device")
    expect(not [f for _, _, fs in os.walk(small) for f in fs], "a failed write left a file behind")
finally:
    subprocess.run(["umount", small], check=True)
shutil.rmtree(open_dir, ignore_errors=True)
print("1 passed, 0 failed")
