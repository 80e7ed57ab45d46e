"""lsbackup, verify and restore on a location that is missing, empty or not
a directory exit 1 with one error line and print nothing on stdout;
lsbackup --json carries the table's fields with the same values; --quiet
verify prints nothing on stdout and still exits 0; restore's flag mistakes
(--backup_num 0, --to_ts 0, --to_ts with --to_time, no -p), and a missing
-l or a non-boolean --anonymous on any of the three, are each named, as is
a key file that is missing or a directory;
--anonymous is accepted by all three (a local directory ignores it)."""
import os

from cairnlib import PLUGIN_DIR, Alpha, Model, Zero, load_sample, run, workdir, expect

wd = workdir("read-flags")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
load_sample(alpha, Model(), n_people=100)
alpha.backup_ok(dest)
alpha.backup_ok(dest)
pd = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []


def cmd(name, loc, more=(), pdir="never"):
    args = [name, "-l", loc] + list(more) + pd
    if name == "restore":
        args += ["-p", os.path.join(wd, pdir), "--force_zero=false"]
    return run(args)


empty = os.path.join(wd, "empty")
os.makedirs(empty)
afile = os.path.join(wd, "a-file")
open(afile, "w").write("not a directory")
for name in ("lsbackup", "verify", "restore"):
    for loc, why in ((os.path.join(wd, "missing"), "no backups found at this location"),
                     (empty, "no backups found at this location"),
                     (afile, "not a directory")):
        p = cmd(name, loc, ["--json"] if name == "lsbackup" else [])
        expect(p.returncode == 1, (name, loc, p.returncode, p.stdout))
        errs = [l for l in p.stderr.splitlines() if l.startswith("error:")]
        expect(len(errs) == 1 and why in errs[0], (name, loc, p.stderr))
        expect(p.stdout == "", (name, loc, p.stdout))
expect(not os.path.exists(os.path.join(wd, "never")))

# --json: the table's fields, the same values.
import json
j = json.loads(cmd("lsbackup", dest, ["--json"]).stdout)
# The backups, then after a blank line each series' restorable range.
t, series = (part.splitlines() for part in cmd("lsbackup", dest).stdout.split("\n\n", 1))
expect(series[0].split() == ["SERIES", "NUM", "RESTORABLE_TS", "RESTORABLE_TIME"] and
       series[1].split()[:3] == [j[0]["backup_id"], "2", "%d..%d" % (j[0]["series_from_ts"], j[1]["series_to_ts"])],
       series)
expect(t[0].split() == ["PATH", "TYPE", "BACKUP_ID", "NUM", "SINCE", "READ_TS", "ENCRYPTED", "BYTES"], t)
expect(len(t) == 3 and len(j) == 2, (t, j))
for row, x in zip(t[1:], j):
    expect(row.split() == [x["path"], x["type"], x["backup_id"], str(x["backup_num"]), str(x["since"]),
                           str(x["read_ts"]), "yes" if x["encrypted"] else "no", str(x["size"])], (row, x))

# --quiet: nothing on stdout, same exit status.
p = cmd("verify", dest)
expect(p.returncode == 0 and "verified" in p.stdout, p.stdout + p.stderr)
p = cmd("verify", dest, ["--quiet"])
expect(p.returncode == 0 and p.stdout == "", p.stdout + p.stderr)
p = cmd("restore", dest, ["--quiet"])
expect(p.returncode == 0 and p.stdout == "", p.stdout + p.stderr)
expect(os.path.isdir(os.path.join(wd, "never", "p1")))

# restore's own flag mistakes: each exits 1 naming the flag, writes nothing.
for more, why in ((["--backup_num", "0"], "--backup_num counts from 1"),
                  (["--to_ts", "0"], "--to_ts is a commit timestamp, above 0"),
                  (["--to_ts", "5", "--to_time", "2026-01-01T00:00:00Z"], "give --to_ts or --to_time, not both")):
    p = cmd("restore", dest, more, pdir="flags")
    errs = [l for l in p.stderr.splitlines() if l.startswith("error:")]
    expect(p.returncode == 1 and len(errs) == 1 and why in errs[0], (more, p.stderr))
p = run(["restore", "-l", dest, "--force_zero=false"] + pd)
expect(p.returncode == 1 and "give the directory to restore into with -p/--postings" in p.stderr, p.stderr)
expect(not os.path.exists(os.path.join(wd, "flags")))

# No location, or an --anonymous that is not a boolean: named, for each.
for name in ("lsbackup", "verify", "restore"):
    p = run([name] + pd + (["-p", os.path.join(wd, "flags"), "--force_zero=false"] if name == "restore" else []))
    expect(p.returncode == 1 and "give the backup location with -l/--location" in p.stderr, (name, p.stderr))
    p = cmd(name, dest, ["--anonymous=maybe"], pdir="flags")
    expect(p.returncode == 1 and "anonymous" in p.stderr and "true or false" in p.stderr, (name, p.stderr))
expect(not os.path.exists(os.path.join(wd, "flags")))

# The key provider failing (no such key file, a directory): verify and
# restore stop before reading the location, naming the file.
for keyfile, why in ((os.path.join(wd, "no-such.key"), "does not exist"), (wd, "is a directory")):
    for name in ("verify", "restore"):
        p = cmd(name, dest, ["--encryption_key_file", keyfile], pdir="flags")
        errs = [l for l in p.stderr.splitlines() if l.startswith("error:")]
        expect(p.returncode == 1 and len(errs) == 1 and keyfile in errs[0] and why in errs[0], (name, p.stderr))
expect(not os.path.exists(os.path.join(wd, "flags")))

# --anonymous on every reading command.
for name in ("lsbackup", "verify", "restore"):
    p = cmd(name, dest, ["--anonymous"], pdir="anon")
    expect(p.returncode == 0, (name, p.stderr))
print("ok")
