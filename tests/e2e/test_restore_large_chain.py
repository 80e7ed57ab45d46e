"""A full backup of 150,000 triples (several of restore's load batches, put
in key order with MDB_APPEND) and two incrementals over it (overwrites,
deletes of every object, new triples: put as they come) restore into a
postings directory whose export equals the original's byte for byte."""
import os

from cairnlib import Alpha, Zero, expect, lit, restore, workdir

N = 150000
wd = workdir("restore-large-chain")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero)
base = zero.assign("uids", N // 3 + 10)["startId"]
for k in range(0, N, 50000):
    alpha.mutate("{ set {\n%s\n} }" % "\n".join(
        "<0x%x> <p%d> %s ." % (base + i // 3, i % 3, lit("value %d %s" % (i, "x" * (i % 30))))
        for i in range(k, k + 50000)))
alpha.backup_ok(dest)
for r in range(2):
    sets = ["<0x%x> <p%d> %s ." % (base + i // 3, i % 3, lit("changed %d %d" % (r, i)))
            for i in range(r, N, 97)]
    dels = ["<0x%x> <p%d> * ." % (base + i // 3, i % 3) for i in range(r, N, 97)]
    dels += ["<0x%x> <p1> * ." % (base + i) for i in range(r + 5, N // 3, 211)]
    sets += ["<0x%x> <q> <0x%x> ." % (base + i, base + (i * 7) % (N // 3)) for i in range(0, N // 3, 50)]
    alpha.mutate("{ delete {\n%s\n} set {\n%s\n} }" % ("\n".join(dels), "\n".join(sets)))
    alpha.backup_ok(dest)
want = alpha.export()
alpha.stop()

wd2 = workdir("restore-large-chain-restored")
zero2 = Zero(wd2)
out = restore(["-p", os.path.join(wd2, "restored"), "-l", dest, "-z", zero2.addr])
expect(out.returncode == 0, out.stderr)
alpha2 = Alpha(wd2, zero2, postings=os.path.join(wd2, "restored", "p1"))
got = alpha2.export()
print("original %d quads, restored %d quads, equal: %s" % (want.count("\n"), got.count("\n"), got == want))
expect(want.count("\n") > N - N // 97 and got == want)
alpha2.stop()
zero2.stop()
zero.stop()
print("PASS")
