"""A full postings disk is an error that says so: an alpha whose postings
directory is a 4 MiB tmpfs takes mutations until the disk is full; the one
that does not fit is answered with an error saying the disk is full and that
nothing of it was applied, and logged; the alpha stays up and every
mutation answered 200 before is exported intact."""
import json
import os
import subprocess
import sys

from cairnlib import Alpha, Model, Zero, expect, http, lit, workdir

if os.geteuid() != 0:
    print("SKIP: mounting a tmpfs needs root")
    sys.exit(0)
wd = workdir("disk-full")
p = os.path.join(wd, "p-tmpfs")
os.makedirs(p)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", p], check=True)
try:
    zero = Zero(wd)
    alpha = Alpha(wd, zero, postings=p)
    u = zero.assign("uids", 1000)["startId"]
    model = Model()
    applied, refused = 0, None
    for i in range(200):
        triples = [(u + i, "blob", lit("%d-%d-" % (i, k) + "x" * 4000)) for k in range(25)]
        st, out = http("POST", alpha.url + "/mutate?commitNow=true",
                       "{ set {\n%s} }" % "".join("<0x%x> <%s> %s .\n" % t for t in triples))
        if st != 200:
            refused = (st, out.decode())
            break
        applied += 1
        model.record_mutation(json.loads(out)["extensions"]["txn"]["commit_ts"], triples, [])
    print("applied %d mutations of 100 KB, then: %s" % (applied, refused))
    expect(refused is not None and applied > 0, (applied, refused))
    expect(refused[0] == 500 and "disk is full" in refused[1] and "nothing of this write was applied" in refused[1], refused)
    st, _ = http("GET", alpha.url + "/health")
    expect(st == 200 and alpha.proc.alive())
    out = alpha.export()
    want = Model.export_text(model.state_at(1 << 62))
    print("export after the full disk: %d quads, %d expected" % (len(out.splitlines()), len(want.splitlines())))
    expect(out == want)
    alpha.stop()
    log = alpha.proc.output()
    expect("mutation not applied" in log and "disk is full" in log, log[-2000:])
    zero.stop()
finally:
    subprocess.run(["umount", "-l", p])
print("PASS")
