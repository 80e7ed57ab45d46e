"""What an online restore cut short by a crash leaves beside the postings
directory is resolved when the alpha starts (alpha/restore.c's rule): a
restored store whose commit was decided (<p>.restore-commit) is finished
into place, whether or not the live store was already moved aside
(<p>.restore-old); a store prepared but never committed (<p>.restore-<id>)
is removed and the live data kept; a live store moved aside with no
decision is put back. Nothing is left beside <p> afterwards."""
import os
import shutil

from cairnlib import Alpha, Zero, expect, lit, restore, workdir

wd = workdir("admin-restore-crash")
dest = os.path.join(wd, "backups")
p = os.path.join(wd, "p")
zero = Zero(wd)
alpha = Alpha(wd, zero, postings=p)
alpha.mutate("{ set { _:a <name> %s . } }" % lit("backed up"))
alpha.backup_ok(dest)
restored = alpha.export()
alpha.mutate("{ set { _:b <name> %s . } }" % lit("after the backup"))
live = alpha.export()
expect(live != restored)
alpha.stop()


def built(name):
    """A group 1 store of the backup, as a prepare builds it, at name."""
    tmp = os.path.join(wd, "build-" + os.path.basename(name))
    r = restore(["-p", tmp, "-l", dest, "--force_zero=false"])
    expect(r.returncode == 0, r.stdout + r.stderr)
    shutil.copy(os.path.join(p, "member_id"), os.path.join(tmp, "p1", "member_id"))
    os.rename(os.path.join(tmp, "p1"), name)
    os.rmdir(tmp)


def start_and_check(want):
    global alpha
    alpha = Alpha(wd, zero, postings=p)
    expect(alpha.export() == want, "unexpected data after the recovery")
    left = [n for n in os.listdir(wd) if ".restore-" in n]
    expect(not left, left)
    alpha.mutate("{ set { _:c <name> %s . } }" % lit("writable"))
    now = alpha.export()
    alpha.stop()
    return now


# Prepared, never committed: removed, the live data kept.
built(p + ".restore-0123456789abcdef")
live = start_and_check(live)

# Moved aside with no decision: put back.
os.rename(p, p + ".restore-old")
live = start_and_check(live)

# Decided, the live store still in place: the restored store goes in.
built(p + ".restore-commit")
start_and_check(restored)

# Decided, the live store already moved aside: the same.
built(p + ".restore-commit")
os.rename(p, p + ".restore-old")
start_and_check(restored)
print("ok")
