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


EXPORT = ("mutation($in: ExportInput!) { export(input: $in) "
          "{ response { code message } exportedFiles taskId } }")


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

# Export: each op it uses fails; one GraphQL error naming it, no export.json,
# and no file of the failed export left behind.
exports = os.path.join(wd, "exports")
EXPORT_FAULTS = [
    ("list", None),                   # the folder probe
    ("write_open", ".rdf.gz"),        # the group's file
    ("write", ".rdf.gz"),
    ("write_commit", ".rdf.gz"),
    ("write_open", "export.json"),    # the manifest, last
    ("write_commit", "export.json"),
]
for op, match in EXPORT_FAULTS:
    where = "faultfs://" + exports + "?" + urllib.parse.urlencode(fault_of(op, match))
    st, out = alpha.admin(EXPORT, {"in": {"destination": where}})
    msg = out.get("errors", [{}])[0].get("message", "")
    expect(st == 200 and out["data"]["export"] is None and injected(op, msg), (op, match, out))
    left = [f for _, _, fs in os.walk(exports) for f in fs]
    expect(left == [], "export with %s failing left %s" % (op, left))
    print("export with %s failing on %s: %s" % (op, match, msg))
st, out = alpha.admin(EXPORT, {"in": {"destination": "faultfs://" + exports}})
expect(st == 200 and "errors" not in out, out)
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

# storage-check: each op failing fails the checks that use it, with the
# driver's error and code, and skips what cannot run after a failed first
# write.
CHECKS = {"write-read", "abort", "uncommitted", "large-stream", "list-many", "ranged-read",
          "missing", "overwrite", "concurrent", "remove", "cleanup"}
CHECK_FAULTS = [
    ({"fail": "write", "after": 3}, {"write-read"}),
    ({"fail": "read", "after": 2}, {"write-read"}),
    ({"fail": "stat"}, {"write-read"}),
    ({"fail": "list"}, {"abort", "uncommitted", "list-many", "missing", "concurrent", "remove", "cleanup"}),
    ({"fail": "remove", "after": 1}, {"missing", "concurrent", "remove", "cleanup"}),
    ({"fail": "write_commit", "after": 1}, {"uncommitted", "large-stream", "list-many", "overwrite", "concurrent"}),
    ({"fail": "read_open", "after": 1}, {"abort", "uncommitted", "large-stream", "ranged-read", "missing",
                                         "overwrite", "concurrent", "remove"}),
]
scratch = os.path.join(wd, "check")
os.makedirs(scratch)
for fault, failing in CHECK_FAULTS:
    where = "faultfs://" + scratch + "?" + urllib.parse.urlencode(fault)
    p = run(["storage-check", where, "--plugin_dir", PLUGIN_DIR, "--large_mb", "1", "--objects", "30"])
    res = {}
    for line in p.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("PASS", "FAIL", "SKIP"):
            res[parts[1]] = (parts[0], parts[2])
    expect(p.returncode == 1 and set(res) == CHECKS, (fault, p.stdout, p.stderr))
    expect({c for c, (v, _) in res.items() if v == "FAIL"} == failing, (fault, p.stdout))
    expect(all(injected(fault["fail"], why) for v, why in res.values() if v == "FAIL"), (fault, p.stdout))
    skipped = {c for c, (v, _) in res.items() if v == "SKIP"}
    expect(skipped == (CHECKS - {"write-read"} if "write-read" in failing else set()), (fault, p.stdout))
    print("storage-check with %s failing: %s fail" % (fault["fail"], ", ".join(sorted(failing))))

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
