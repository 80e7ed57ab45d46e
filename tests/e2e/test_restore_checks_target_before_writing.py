"""cairn restore checks its target before reading or writing anything: a
dangling symbolic link named p1 in -p, and a -p that is a file or a dangling
link, are refused at once naming them, leaving nothing behind (no
temporary, no directory); an unreachable zero is refused before -p is
created. A failed restore removes the -p directory it created (the load
failing half-way is e2e_restore_fails_half_way). A -p that is a link to a
directory is used."""
import os

from cairnlib import Alpha, Model, Zero, expect, free_port, load_sample, restore, workdir

wd = workdir("restore-target")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
load_sample(alpha, Model(), n_people=50)
alpha.backup_ok(dest)
alpha.stop()
zero.stop()


def tree(d):
    out = []
    for root, dirs, files in os.walk(d):
        out += [os.path.join(root, x) for x in dirs + files]
    return sorted(out)


def refused(pdir, want, extra=("--force_zero=false",)):
    before = tree(wd)
    r = restore(["-p", pdir, "-l", dest] + list(extra))
    last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    expect(r.returncode == 1 and want in last, (want, r.stdout, r.stderr))
    expect(tree(wd) == before, set(tree(wd)) ^ set(before))
    print("restore -p %s -> exit 1: %s" % (os.path.relpath(pdir, wd), last))


# A dangling symbolic link named p1 inside -p.
pdir = os.path.join(wd, "with-dangling-p1")
os.mkdir(pdir)
os.symlink(os.path.join(wd, "nowhere"), os.path.join(pdir, "p1"))
refused(pdir, os.path.join(pdir, "p1") + " already exists")

# -p a file, -p a dangling link.
afile = os.path.join(wd, "a-file")
open(afile, "w").write("x")
refused(afile, afile + " exists and is not a directory")
dangling = os.path.join(wd, "dangling-p")
os.symlink(os.path.join(wd, "nowhere"), dangling)
refused(dangling, dangling + " exists and is not a directory")

# Zero unreachable: refused before -p is created.
refused(os.path.join(wd, "never-made"), "", extra=("-z", "127.0.0.1:%d" % free_port()))
expect(not os.path.exists(os.path.join(wd, "never-made")))

# -p a link to a directory: restored into it.
real = os.path.join(wd, "real")
os.mkdir(real)
os.symlink(real, os.path.join(wd, "link-p"))
r = restore(["-p", os.path.join(wd, "link-p"), "-l", dest, "--force_zero=false"])
expect(r.returncode == 0 and os.path.isdir(os.path.join(real, "p1")), r.stderr)
print("1 passed, 0 failed")
