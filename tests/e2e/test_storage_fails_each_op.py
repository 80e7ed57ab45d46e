"""A storage plugin failing on each op (faultfs://, tests/plugins/fault_storage.c):
backup, restore, verify, lsbackup and prune each stop with one error naming the
injected failure (backup: a GraphQL error; the commands: exit 1, the plugin's
message on the last line); a failed backup writes no manifest, and the next
backup completes; a failed restore leaves its target as it was; a failed prune
keeps what it did not remove restorable. Then, without faults, the location
restores to the model's state."""
import os
import urllib.parse

# The fault plugin lives beside the real ones, in the test build's tree.
FAULT_DIR = os.path.join(os.environ["CAIRN_BUILD_DIR"], "tests", "plugins", "faultfs")
os.environ["CAIRN_PLUGIN_DIR"] = os.environ.get("CAIRN_PLUGIN_DIR", "") + ":" + FAULT_DIR

from cairnlib import PLUGIN_DIR, Alpha, Model, Zero, expect, lit, load_sample, run, workdir  # noqa: E402

wd = workdir("storage-fails")
base = os.path.join(wd, "dest")


def loc(**fault):
    return "faultfs://" + base + ("?" + urllib.parse.urlencode(fault) if fault else "")


def listed():
    p = run(["lsbackup", "-l", loc(), "--json", "--plugin_dir", PLUGIN_DIR])
    expect(p.returncode == 0, p.stderr)
    import json
    return json.loads(p.stdout)


def last_error(p):
    lines = p.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def injected(op, text):
    return "faultfs: injected %s failure" % op in text


zero = Zero(wd)
alpha = Alpha(wd, zero)
model = Model()
uids = load_sample(alpha, model, n_people=200)
alpha.backup_ok(loc())
expect(len(listed()) == 1)

# Backup: each op it uses fails; no manifest is written, and the same
# location takes the next backup. (Reading an earlier manifest fails the
# backup only when the error may pass (transient): a manifest that cannot be
# read at all is skipped with a warning, e2e_backup_unreadable_manifest.)
BACKUP_FAULTS = [
    ("list", None, None),                 # the series' manifests, the folder probe
    ("read_open", "manifest.json", "transient"),  # the previous backup's manifest
    ("read", "manifest.json", "transient"),
    ("write_open", "backup.started", None),
    ("write_open", ".backup", None),        # the group's object
    ("write", ".backup", None),
    ("write_commit", ".backup", None),
    ("write_open", "manifest.json", None),  # the manifest, last
    ("write_commit", "manifest.json", None),
]


def fault_of(op, match, code=None):
    fault = {"fail": op}
    if match:
        fault["match"] = match
    if code:
        fault["code"] = code
    return fault


n = 1
for i, (op, match, code) in enumerate(BACKUP_FAULTS):
    alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[i], lit("fault %d" % i)))
    out = alpha.backup(loc(**fault_of(op, match, code)))
    msg = out.get("errors", [{}])[0].get("message", "")
    expect(injected(op, msg), (op, match, out))
    expect(len(listed()) == n, "a backup whose %s failed wrote a manifest" % op)
    print("backup with %s failing on %s: %s" % (op, match, msg))
# The mutations since the last good backup are in the next one.
alpha.backup_ok(loc())
# A second series, so that prune has one to remove.
alpha.backup_ok(loc(), force_full=True)
n += 2
expect(len(listed()) == n)
want = alpha.export()
alpha.stop()
zero.stop()

# Read commands: each read op fails; each command exits 1 with the error.
READ_FAULTS = [("list", None, None), ("read_open", "manifest.json", "transient"),
               ("read", "manifest.json", "transient")]
DATA_FAULTS = [("stat", ".backup", None), ("read_open", ".backup", None), ("read", ".backup", None)]
target = os.path.join(wd, "target")
os.makedirs(target)
with open(os.path.join(target, "keep.txt"), "w") as f:
    f.write("operator's file")
for op, match, code in READ_FAULTS + DATA_FAULTS:
    where = loc(**fault_of(op, match, code))
    cmds = [["verify", "-l", where], ["restore", "-p", target, "-l", where, "--force_zero=false"]]
    if (op, match, code) in READ_FAULTS:
        cmds.append(["lsbackup", "-l", where])
    for cmd in cmds:
        p = run(cmd + ["--plugin_dir", PLUGIN_DIR])
        expect(p.returncode == 1 and injected(op, last_error(p)) and last_error(p).startswith("error: "),
               (cmd, p.returncode, p.stdout, p.stderr))
        expect(sorted(os.listdir(target)) == ["keep.txt"], "restore with %s failing touched its target" % op)
        print("%s with %s failing on %s: %s" % (cmd[0], op, match, last_error(p)))

# Prune: listing or removing fails; nothing is listed as removed.
for op in ("list", "remove"):
    p = run(["prune", "-l", loc(fail=op), "--keep_series", "1", "--plugin_dir", PLUGIN_DIR])
    expect(p.returncode == 1 and injected(op, last_error(p)), (op, p.stdout, p.stderr))
    print("prune with %s failing: %s" % (op, last_error(p)))
expect(len(listed()) == n, "a prune that failed removed a manifest")

# Without faults everything restores to what the alpha held.
p = run(["verify", "-l", loc(), "--plugin_dir", PLUGIN_DIR])
expect(p.returncode == 0, p.stderr)
out = os.path.join(wd, "restored")
zero = Zero(wd, wal=os.path.join(wd, "zw-restored"))
p = run(["restore", "-p", out, "-l", loc(), "-z", zero.addr, "--plugin_dir", PLUGIN_DIR])
expect(p.returncode == 0, p.stderr)
alpha = Alpha(wd, zero, postings=os.path.join(out, "p1"))
expect(alpha.export() == want, "the restore after the failures differs from the alpha's state")
alpha.stop()
zero.stop()
print("1 passed, 0 failed")
