"""cairn plugins lists every file of its plugin directories: the in-tree
plugins with kind, name, schemes (or a key provider's options), ABI and
version; a junk .so, a plugin built for ABI 2 and a library without the
entry symbol each as a row with its load error, and the listing still
exits 0. Directories join with ':'. Only an unreadable directory fails."""
import os
import shutil

from cairnlib import PLUGIN_DIR, expect, run, workdir

wd = workdir("plugins-list")
build = os.environ["CAIRN_BUILD_DIR"]
extra = os.path.join(wd, "extra")
os.makedirs(extra)
open(os.path.join(extra, "junk.so"), "wb").write(b"this is not an ELF file\n" * 10)
shutil.copy2(os.path.join(build, "tests", "plugins", "wrongabi", "tp-wrongabi.so"),
             os.path.join(extra, "wrong-abi.so"))
shutil.copy2(os.path.join(build, "tests", "plugins", "noentry", "tp-noentry.so"),
             os.path.join(extra, "no-entry.so"))
open(os.path.join(extra, "README.txt"), "w").write("not a .so: not listed\n")

p = run(["plugins", "--plugin_dir", PLUGIN_DIR + ":" + extra])
expect(p.returncode == 0, p.stdout + p.stderr)
lines = p.stdout.splitlines()
expect(lines[0].split() == ["FILE", "KIND", "NAME", "SCHEMES|OPTIONS", "ABI", "FEATURES", "VERSION"], lines[0])
rows = {os.path.basename(l.split()[0]): l for l in lines[1:]}
expect(set(rows) == {"storage-nfs.so", "storage-s3.so", "storage-minio.so", "storage-azure.so", "storage-gcs.so", "keys-file.so",
                     "keys-vault.so", "junk.so", "wrong-abi.so", "no-entry.so"}, rows)
want = {"storage-nfs.so": ("storage", "storage-nfs", "file"),
        "storage-s3.so": ("storage", "storage-s3", "s3"),
        "storage-minio.so": ("storage", "storage-minio", "minio"),
        "storage-azure.so": ("storage", "storage-azure", "azure"),
        "storage-gcs.so": ("storage", "storage-gcs", "gs"),
        "keys-file.so": ("keys", "keys-file", "encryption_key_file")}
for f, (kind, name, schemes) in want.items():
    cols = rows[f].split()
    expect(cols[1:4] == [kind, name, schemes] and cols[4] == "1.1" and len(cols) == 7, rows[f])
vault = rows["keys-vault.so"].split()
expect(vault[1] == "keys" and "vault_addr" in vault[3].split(",") and vault[4] == "1.1", vault)
# The failures: a row each, kind "error", with the loader's reason.
junk = rows["junk.so"].split(None, 2)
expect(junk[1] == "error" and junk[2].startswith("cannot load: ") and "junk.so" in junk[2], junk)
wrong = rows["wrong-abi.so"].split(None, 2)
expect(wrong[1] == "error" and wrong[2].startswith("built for plugin ABI 2.") and
       "this cairn speaks ABI 1.1; rebuild the plugin" in wrong[2], wrong)
noentry = rows["no-entry.so"].split(None, 2)
expect(noentry[1] == "error" and "no cairn_plugin_entry() entry point; is it a cairn plugin?" in noentry[2], noentry)
expect(p.stderr == "", p.stderr)

# The storage plugins that did load still work beside the failures: only
# the listing is lenient; any other command refuses the broken directory.
p = run(["lsbackup", "-l", os.path.join(wd, "none"), "--plugin_dir", PLUGIN_DIR + ":" + extra])
expect(p.returncode != 0 and "junk.so" in p.stderr, p.stderr)

# A missing directory is the one failure.
p = run(["plugins", "--plugin_dir", os.path.join(wd, "missing")])
expect(p.returncode == 1 and p.stderr.startswith("error: cannot open plugin directory "), p.stderr)
print("1 passed, 0 failed")
