"""The SDK as a vendor meets it: cairn installed into a temporary prefix,
examples/storage-example copied out of the source tree and built with its
Makefile against the installed SDK only (pkg-config cairn-plugin), then
the installed, unmodified cairn with --plugin_dir naming the installed
plugins and the example's directory: storage-check passes on example://,
an alpha backs up (full and incremental) to example://, and lsbackup,
verify and restore through the example give back the alpha's export."""
import os
import shutil
import subprocess

import cairnlib
from cairnlib import Alpha, Model, Zero, expect, lit, load_sample, workdir

wd = workdir("sdk-example")
build = os.environ["CAIRN_BUILD_DIR"]
prefix = os.path.join(wd, "prefix")
subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True, capture_output=True)
installed = os.path.join(prefix, "bin", "cairn")

# Out of the tree: only the example's own files, only the installed headers.
exdir = os.path.join(wd, "vendor", "storage-example")
shutil.copytree(os.path.join(cairnlib.SOURCE_DIR, "examples", "storage-example"), exdir)
env = {k: v for k, v in os.environ.items() if k not in ("CPATH", "C_INCLUDE_PATH", "CFLAGS")}
env["PKG_CONFIG_PATH"] = os.path.join(prefix, "lib", "pkgconfig")
mk = subprocess.run(["make", "-C", exdir, "PKG_CONFIG_PATH=" + env["PKG_CONFIG_PATH"]], capture_output=True,
                    text=True, env=env)
expect(mk.returncode == 0, mk.stdout + mk.stderr)
expect("-I" + os.path.join(prefix, "lib", "pkgconfig", "..", "..", "include") in mk.stdout, mk.stdout)
expect(os.path.join(cairnlib.SOURCE_DIR, "core") not in mk.stdout, mk.stdout)  # no source-tree headers
expect(os.path.exists(os.path.join(exdir, "storage-example.so")))
# Its build fails if it reaches for cairn's internals.
bad = os.path.join(wd, "vendor", "bad")
shutil.copytree(exdir, bad)
src = os.path.join(bad, "storage_example.c")
open(src, "w").write('#include "plugin/loader.h"\n' + open(src).read())
mk = subprocess.run(["make", "-C", bad, "-B", "PKG_CONFIG_PATH=" + env["PKG_CONFIG_PATH"]], capture_output=True,
                    text=True, env=env)
expect(mk.returncode != 0 and "plugin/loader.h" in mk.stderr, mk.stdout + mk.stderr)

plugins = os.path.join(prefix, "lib", "cairn", "plugins") + ":" + exdir
cairnlib.CAIRN = installed  # every process below is the installed binary
cairnlib.PLUGIN_DIR = plugins

p = cairnlib.run(["plugins", "--plugin_dir", plugins])
row = [l.split() for l in p.stdout.splitlines() if "storage-example" in l]
expect(p.returncode == 0 and row and row[0][3] == "example" and row[0][4] == "1.1", p.stdout)

target = os.path.join(wd, "example-store")
p = cairnlib.run(["storage-check", "example://" + target, "--plugin_dir", plugins, "--large_mb", "16"])
expect(p.returncode == 0 and "11 passed, 0 failed, 0 skipped" in p.stdout, p.stdout + p.stderr)

loc = "example://" + os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero, postings=os.path.join(wd, "p"))
model = Model()
uids = load_sample(alpha, model, n_people=800)
alpha.backup_ok(loc)
alpha.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . } }" % (uids[3], uids[3], lit("changed")))
alpha.backup_ok(loc)
b = cairnlib.lsbackup(loc)
expect([x["type"] for x in b] == ["full", "incremental"], b)
want = alpha.export(b[-1]["read_ts"])
alpha.stop()
zero.stop()
# The objects really are the example's files.
files = sorted(os.path.relpath(os.path.join(d, f), os.path.join(wd, "backups"))
               for d, _, fs in os.walk(os.path.join(wd, "backups")) for f in fs)
expect(len([f for f in files if f.endswith("/manifest.json")]) == 2, files)
v = cairnlib.run(["verify", "-l", loc, "--plugin_dir", plugins])
expect(v.returncode == 0, v.stdout + v.stderr)
out = cairnlib.restore(["-p", os.path.join(wd, "restored"), "-l", loc, "--force_zero=false"])
expect(out.returncode == 0, out.stderr)
z = Zero(wd, wal=os.path.join(wd, "zw-restored"))
z.assign("timestamps", b[-1]["read_ts"])
a = Alpha(wd, z, postings=os.path.join(wd, "restored", "p1"))
expect(a.export() == want, "restored export differs")
a.stop()
z.stop()
print("1 passed, 0 failed")
