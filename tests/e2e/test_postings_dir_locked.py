"""Two alphas cannot open one postings directory: the second exits at once
with one error naming the directory and saying another process holds it;
the first keeps serving, and once it stops the directory opens again."""
import os

from cairnlib import Alpha, Zero, expect, free_port, http, lit, run, workdir

wd = workdir("postings-locked")
zero = Zero(wd)
p = os.path.join(wd, "p")
a1 = Alpha(wd, zero, postings=p)
a1.mutate("{ set { _:a <name> %s . } }" % lit("first"))

second = run(["alpha", "--http", "127.0.0.1:%d" % free_port(), "-p", p, "-z", zero.addr], timeout=30)
err = second.stderr.strip()
print("second alpha on %s: exit %d: %s" % (p, second.returncode, err))
expect(second.returncode != 0, second)
expect(p in err and "in use" in err and "another process holds its lock" in err, err)
expect(len(err.splitlines()) == 1, err)
st, _ = http("GET", a1.url + "/health")
expect(st == 200)
a1.mutate("{ set { _:b <name> %s . } }" % lit("still serving"))
a1.stop()

a3 = Alpha(wd, zero, postings=p)
out = a3.export()
print("after the first stopped, a new alpha opened it: %d quads" % len(out.splitlines()))
expect(len(out.splitlines()) == 2, out)
a3.stop()
zero.stop()
print("PASS")
