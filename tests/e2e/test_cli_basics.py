"""The program's surface: help and version, unknown commands and flags, the
plugin listing (ABI and features), the key providers' flags (from the
plugins, in --help, on the command line and in the ini file), ini
configuration, and the install layout: an installed cairn finds its plugins
with no environment variable, and an out-of-tree plugin built with
pkg-config against the installed SDK (CAIRN_PLUGIN_DEFINE) loads."""
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
p = run(["--version"])
expect(p.returncode == 0 and p.stdout.startswith("cairn "), p.stdout)
p = run([])
expect(p.returncode == 2 and p.stdout == "" and p.stderr.startswith("usage: cairn COMMAND"), (p.stdout, p.stderr))
p = run(["frobnicate"])
expect(p.returncode != 0 and p.stderr.startswith("error: unknown command"), p.stderr)
p = run(["alpha", "--postngs", "x"])
expect(p.returncode != 0 and "unknown flag --postngs" in p.stderr, p.stderr)

p = run(["plugins", "--plugin_dir", PLUGIN_DIR])
expect(p.returncode == 0, p.stderr)
rows = {line.split()[2]: line.split() for line in p.stdout.splitlines()[1:]}
expect(set(rows) == {"storage-nfs", "storage-s3", "storage-minio", "storage-azure", "storage-gcs", "keys-file", "keys-vault"}, rows)
expect(rows["storage-nfs"][1] == "storage" and rows["storage-nfs"][3] == "file" and rows["storage-nfs"][4] == "1.1")
expect(rows["storage-s3"][3] == "s3" and rows["storage-minio"][3] == "minio")
for name in ("storage-nfs", "storage-s3", "storage-minio", "storage-azure", "storage-gcs"):
    expect(rows[name][5] == "ranged_read", rows[name])
expect(rows["keys-vault"][1] == "keys")

# Key-provider flags come from the plugins, with their help and defaults.
for cmd in ("alpha", "restore", "verify"):
    h = run([cmd, "--help", "--plugin_dir", PLUGIN_DIR]).stdout
    for flag in ("--encryption_key_file", "--vault_roleid_file", "--vault_secretid_file",
                 "--vault_namespace", "--vault_ca_file"):
        expect(flag in h, (cmd, flag, h))
    for flag, default in (("vault_addr", "http://localhost:8200"), ("vault_path", "secret/data/cairn"),
                          ("vault_field", "enc_key"), ("vault_format", "base64")):
        line = [l for l in h.splitlines() if l.split()[:1] == ["--" + flag]]
        expect(line and "(default %s)" % default in line[0], (cmd, flag, h))
expect("--vault_addr" not in run(["lsbackup", "--help"]).stdout)
p = run(["verify", "--plugin_dir", PLUGIN_DIR, "--vault_adr", "x", "-l", "/nonexistent"])
expect(p.returncode != 0 and "unknown flag --vault_adr" in p.stderr, p.stderr)
# ...and from the ini file: a provider's key in [verify] is known, a typo is not.
ini = os.path.join(wd, "keys.ini")
open(ini, "w").write("[verify]\nplugin_dir = %s\nvault_path = secret/data/x\nlocation = %s\n"
                     % (PLUGIN_DIR, os.path.join(wd, "no-backups")))
p = run(["verify", "--config", ini])
expect("unknown key" not in p.stderr and "unknown flag" not in p.stderr, p.stderr)
open(ini, "a").write("vault_pth = y\n")
p = run(["verify", "--config", ini])
expect(p.returncode != 0 and 'unknown key "vault_pth" in [verify]' in p.stderr, p.stderr)

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
for so in ("storage-nfs", "storage-s3", "storage-minio", "storage-azure", "storage-gcs", "keys-file", "keys-vault"):
    expect(os.path.exists(os.path.join(prefix, "lib", "cairn", "plugins", so + ".so")), so)
for h in ("plugin.h", "storage.h", "keys.h"):
    expect(os.path.exists(os.path.join(prefix, "include", "cairn", h)), h)
env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
p = subprocess.run([installed, "plugins"], capture_output=True, text=True, env=env, cwd="/")
expect(p.returncode == 0, p.stderr)
expect(os.path.join(prefix, "lib", "cairn", "plugins") in os.path.realpath(p.stdout.splitlines()[1].split()[0]) or \
    "prefix/bin/../lib/cairn/plugins" in p.stdout or prefix in p.stdout, p.stdout)
expect(len(p.stdout.splitlines()) == 8, p.stdout)

# A vendor's plugin, compiled against the installed SDK only.
src = os.path.join(wd, "azure.c")
open(src, "w").write(r'''
#include <cairn/storage.h>
static int op(const struct cairn_uri *u, const struct cairn_kv *p, struct cairn_storage **o, cairn_err *e)
{ (void)p; (void)o; return cairn_err_set(e, "azure plugin reached for %s", u->raw); }
static void st_close(struct cairn_storage *st) { (void)st; }
static int list(struct cairn_storage *st, const char *pre, cairn_list_cb cb, void *ctx, cairn_err *e)
{ (void)st; (void)pre; (void)cb; (void)ctx; return cairn_err_set(e, "no"); }
static int stat_(struct cairn_storage *st, const char *n, int *ex, uint64_t *sz, cairn_err *e)
{ (void)st; (void)n; (void)ex; (void)sz; return cairn_err_set(e, "no"); }
static int rm(struct cairn_storage *st, const char *n, cairn_err *e) { (void)st; (void)n; return cairn_err_set(e, "no"); }
static int wopen(struct cairn_storage *st, const char *n, struct cairn_writer **w, cairn_err *e)
{ (void)st; (void)n; (void)w; return cairn_err_set(e, "no"); }
static int wr(struct cairn_writer *w, const void *b, size_t l, cairn_err *e) { (void)w; (void)b; (void)l; return cairn_err_set(e, "no"); }
static int commit(struct cairn_writer *w, cairn_err *e) { (void)w; return cairn_err_set(e, "no"); }
static void abort_(struct cairn_writer *w) { (void)w; }
static int ropen(struct cairn_storage *st, const char *n, struct cairn_reader **r, cairn_err *e)
{ (void)st; (void)n; (void)r; return cairn_err_set(e, "no"); }
static ssize_t rd(struct cairn_reader *r, void *b, size_t l, cairn_err *e) { (void)r; (void)b; (void)l; return cairn_err_set(e, "no"); }
static void rclose(struct cairn_reader *r) { (void)r; }
static const struct cairn_storage_ops ops = { .struct_size = sizeof ops, .open = op, .close = st_close,
  .list = list, .stat = stat_, .remove = rm, .write_open = wopen, .write = wr, .write_commit = commit,
  .write_abort = abort_, .read_open = ropen, .read = rd, .read_close = rclose };
static const char *const schemes[] = { "azblob", 0 };
static const struct cairn_plugin plugin = { .abi_major = CAIRN_ABI_MAJOR, .abi_minor = CAIRN_ABI_MINOR,
  .struct_size = sizeof plugin, .kind = CAIRN_PLUGIN_STORAGE, .name = "storage-azure", .version = "0.1",
  .schemes = schemes, .ops = &ops };
CAIRN_PLUGIN_DEFINE(plugin)
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
row = [l.split() for l in p.stdout.splitlines() if "storage-azure" in l][0]
expect(row[4] == "1.1" and row[5] == "-", row)  # this cairn's ABI; no feature bits set

# A plugin with more schemes than the listing's column holds: cut short, not overrun.
many = os.path.join(wd, "many.c")
names = ", ".join('"scheme-number-%02d-of-a-long-list"' % i for i in range(12))
open(many, "w").write(open(src).read().replace('{ "azblob", 0 }', "{ %s, 0 }" % names)
                      .replace('"storage-azure"', '"storage-many"'))
cc = subprocess.run(["cc", "-shared", "-Wall", "-Werror"] + pc.stdout.split() +
                    ["-o", os.path.join(plugdir, "storage-many.so"), many], capture_output=True, text=True)
expect(cc.returncode == 0, cc.stderr)
p = subprocess.run([installed, "plugins", "--plugin_dir", plugdir], capture_output=True, text=True)
expect(p.returncode == 0, p.stdout + p.stderr)
row = [l.split() for l in p.stdout.splitlines() if "storage-many" in l][0]
expect(row[3].startswith("scheme-number-00-of-a-long-list,") and row[3].endswith("..."), row)
expect(len(row[3]) < 128 and row[4] == "1.1", row)
os.remove(os.path.join(plugdir, "storage-many.so"))
p = subprocess.run([installed, "lsbackup", "-l", "azblob://acct/container", "--plugin_dir", plugdir],
                   capture_output=True, text=True)
expect(p.returncode != 0 and "azure plugin reached for azblob://acct/container" in p.stderr, p.stderr)
print("1 passed, 0 failed")
