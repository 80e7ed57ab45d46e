"""The program's surface: help and version, unknown commands and flags, the
plugin listing, ini configuration, and the install layout: an installed
cairn finds its plugins with no environment variable, and an out-of-tree
plugin built with pkg-config against the installed SDK loads."""
import os
import subprocess

from cairnlib import CAIRN, PLUGIN_DIR, Proc, Zero, free_port, run, wait_http, workdir, expect

wd = workdir("cli")
p = run(["--help"])
expect(p.returncode == 0 and "restore" in p.stdout and "lsbackup" in p.stdout)
for cmd in ("zero", "alpha", "restore", "lsbackup", "verify", "plugins"):
    p = run([cmd, "--help"])
    expect(p.returncode == 0 and "--config" in p.stdout, (cmd, p.stdout, p.stderr))
expect("--force_zero" in run(["restore", "--help"]).stdout)
p = run(["version"])
expect(p.returncode == 0 and p.stdout.startswith("cairn "), p.stdout)
p = run(["frobnicate"])
expect(p.returncode != 0 and p.stderr.startswith("error: unknown command"), p.stderr)
p = run(["alpha", "--postngs", "x"])
expect(p.returncode != 0 and "unknown flag --postngs" in p.stderr, p.stderr)

p = run(["plugins", "--plugin_dir", PLUGIN_DIR])
expect(p.returncode == 0, p.stderr)
rows = {line.split()[2]: line.split() for line in p.stdout.splitlines()[1:]}
expect(set(rows) == {"storage-nfs", "storage-s3", "storage-minio", "keys-file", "keys-vault"}, rows)
expect(rows["storage-nfs"][1] == "storage" and rows["storage-nfs"][3] == "file" and rows["storage-nfs"][4] == "1.0")
expect(rows["storage-s3"][3] == "s3" and rows["storage-minio"][3] == "minio")
expect(rows["keys-vault"][1] == "keys")

# ini configuration: the file sets the alpha's address; a flag overrides the file.
zero = Zero(wd)
port, other = free_port(), free_port()
ini = os.path.join(wd, "cairn.ini")
open(ini, "w").write("[alpha]\nhttp = 127.0.0.1:%d\npostings = %s\nzero = %s\nplugin_dir = %s\n"
                     % (other, os.path.join(wd, "p"), zero.addr, PLUGIN_DIR))
a = Proc("alpha-ini", ["alpha", "--config", ini, "--http", "127.0.0.1:%d" % port], wd)
wait_http("http://127.0.0.1:%d/health" % port, a)
a.stop()
zero.stop()
open(ini, "w").write("[alpha]\nhttp = 127.0.0.1:%d\nbogus_key = 1\n" % port)
p = run(["alpha", "--config", ini])
expect(p.returncode != 0 and 'unknown key "bogus_key" in [alpha]' in p.stderr, p.stderr)

# Install, then run the installed binary with no environment help.
build = os.environ["CAIRN_BUILD_DIR"]
prefix = os.path.join(wd, "prefix")
subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True, capture_output=True)
installed = os.path.join(prefix, "bin", "cairn")
for so in ("storage-nfs", "storage-s3", "storage-minio", "keys-file", "keys-vault"):
    expect(os.path.exists(os.path.join(prefix, "lib", "cairn", "plugins", so + ".so")), so)
for h in ("plugin.h", "storage.h", "keys.h"):
    expect(os.path.exists(os.path.join(prefix, "include", "cairn", h)), h)
env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
p = subprocess.run([installed, "plugins"], capture_output=True, text=True, env=env, cwd="/")
expect(p.returncode == 0, p.stderr)
expect(os.path.join(prefix, "lib", "cairn", "plugins") in os.path.realpath(p.stdout.splitlines()[1].split()[0]) or \
    "prefix/bin/../lib/cairn/plugins" in p.stdout or prefix in p.stdout, p.stdout)
expect(len(p.stdout.splitlines()) == 6, p.stdout)

# A vendor's plugin, compiled against the installed SDK only.
src = os.path.join(wd, "azure.c")
open(src, "w").write(r'''
#include <cairn/storage.h>
static int op(const struct cairn_uri *u, const struct cairn_kv *p, struct cairn_storage **o, cairn_err *e)
{ (void)p; (void)o; return cairn_err_set(e, "azure plugin reached for %s", u->raw); }
static const struct cairn_storage_ops ops = { .struct_size = sizeof ops, .open = op };
static const char *const schemes[] = { "azblob", 0 };
static const struct cairn_plugin plugin = { CAIRN_ABI_MAJOR, CAIRN_ABI_MINOR, sizeof plugin,
  CAIRN_PLUGIN_STORAGE, "storage-azure", "0.1", schemes, 0, &ops };
CAIRN_EXPORT const struct cairn_plugin *cairn_plugin_entry(void) { return &plugin; }
''')
pc = subprocess.run(["pkg-config", "--cflags", "cairn-plugin"], capture_output=True, text=True,
                    env=dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig")))
expect(pc.returncode == 0, pc.stderr)
plugdir = os.path.join(wd, "vendor-plugins")
os.makedirs(plugdir)
cc = subprocess.run(["cc", "-shared", "-Wall", "-Werror"] + pc.stdout.split() +
                    ["-o", os.path.join(plugdir, "storage-azure.so"), src], capture_output=True, text=True)
expect(cc.returncode == 0, cc.stderr)
for so in ("storage-nfs",):
    os.symlink(os.path.join(prefix, "lib", "cairn", "plugins", so + ".so"), os.path.join(plugdir, so + ".so"))
p = subprocess.run([installed, "plugins", "--plugin_dir", plugdir], capture_output=True, text=True)
expect(p.returncode == 0 and "storage-azure" in p.stdout and "azblob" in p.stdout, p.stdout + p.stderr)
p = subprocess.run([installed, "lsbackup", "-l", "azblob://acct/container", "--plugin_dir", plugdir],
                   capture_output=True, text=True)
expect(p.returncode != 0 and "azure plugin reached for azblob://acct/container" in p.stderr, p.stderr)
print("1 passed, 0 failed")
