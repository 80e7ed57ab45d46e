"""storage-azure needs nothing of cairn but the installed SDK: cairn is
installed into a temporary prefix, the driver's sources are copied out of
the tree and compiled with `pkg-config --cflags cairn-plugin` plus libcurl
and OpenSSL only (no path into the source tree); the result exports only
cairn_plugin_entry, and the installed cairn lists it as storage-azure for
azure:// (ABI 1.1). The same sources with a core header included fail to
build."""
import glob
import os
import shutil
import subprocess

import cairnlib
from cairnlib import expect, workdir

wd = workdir("azure-sdk-only")
build = os.environ["CAIRN_BUILD_DIR"]
prefix = os.path.join(wd, "prefix")
subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True, capture_output=True)
env = {k: v for k, v in os.environ.items() if k not in ("CPATH", "C_INCLUDE_PATH", "CFLAGS")}
env["PKG_CONFIG_PATH"] = os.path.join(prefix, "lib", "pkgconfig")
cflags = subprocess.run(["pkg-config", "--cflags", "cairn-plugin", "libcurl", "libcrypto"], env=env,
                        capture_output=True, text=True, check=True).stdout.split()
libs = subprocess.run(["pkg-config", "--libs", "libcurl", "libcrypto"], env=env, capture_output=True,
                      text=True, check=True).stdout.split()
expect(not [f for f in cflags if os.path.join(cairnlib.SOURCE_DIR, "core") in f
            or os.path.join(cairnlib.SOURCE_DIR, "plugins") in f], cflags)


def build_in(d):
    srcs = sorted(glob.glob(os.path.join(d, "*.c")))
    out = os.path.join(d, "storage-azure.so")
    cmd = ["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-shared"] + cflags + ["-o", out] + srcs + libs + ["-lpthread"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=d), out


src = os.path.join(wd, "vendor", "storage-azure")
shutil.copytree(os.path.join(cairnlib.SOURCE_DIR, "plugins", "storage-azure"), src,
                ignore=shutil.ignore_patterns("CMakeLists.txt"))
p, so = build_in(src)
expect(p.returncode == 0, p.stdout + p.stderr)
syms = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True, text=True).stdout.split("\n")
exported = [line.split()[-1] for line in syms if line.strip() and line.split()[1] in ("T", "D", "B")]
expect(exported == ["cairn_plugin_entry"], exported)

p = subprocess.run([os.path.join(prefix, "bin", "cairn"), "plugins", "--plugin_dir", src], capture_output=True,
                   text=True)
row = [line.split() for line in p.stdout.splitlines() if "storage-azure" in line]
print(p.stdout)
expect(p.returncode == 0 and row and row[0][3] == "azure" and row[0][4] == "1.1", p.stdout + p.stderr)

bad = os.path.join(wd, "vendor", "bad")
shutil.copytree(src, bad)
f = os.path.join(bad, "azure_client.c")
open(f, "w").write('#include "plugin/loader.h"\n' + open(f).read())
p, _ = build_in(bad)
expect(p.returncode != 0 and "plugin/loader.h" in p.stderr, p.stdout + p.stderr)
print("1 passed, 0 failed")
