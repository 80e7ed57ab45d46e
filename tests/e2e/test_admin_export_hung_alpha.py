"""An export whose other group's alpha hangs (SIGSTOP) does not wait on it:
the export fails with one GraphQL error naming group 2 and saying it stopped
answering, this group's file is removed and no export.json is written; after
SIGCONT an export succeeds."""
import json
import os
import signal
import time

from cairnlib import Alpha, Zero, expect, http, lit, workdir
from exportlib import QUERY, export_ok

wd = workdir("admin-export-hung")
dest = os.path.join(wd, "exports")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 50)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <friend> <0x%x> ." % (u, people[0]) for u in people))

a2.proc.p.send_signal(signal.SIGSTOP)
try:
    # Bounded: a call that never ends fails here rather than hangs the suite.
    st, out = http("POST", a1.url + "/admin",
                   json.dumps({"query": QUERY, "variables": {"in": {"destination": dest}}}),
                   a1.headers({"Content-Type": "application/json"}), timeout=120)
    out = json.loads(out)
    expect(st == 200 and out["data"]["export"] is None and len(out["errors"]) == 1, out)
    e = out["errors"][0]["message"]
    print("error:", e)
    expect("group 2: alpha %s stopped answering" % a2.addr in e, e)
finally:
    a2.proc.p.send_signal(signal.SIGCONT)
names = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs]
expect(not any(n.endswith("export.json") or "g01" in n for n in names), names)

# Resumed, group 2's alpha may still write its file of the failed export
# (a folder without export.json: an interrupted export); a new export works.
time.sleep(1)
p = export_ok(a1, dest)
expect(len(p["exportedFiles"]) == 3, p)
manifests = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "export.json"]
expect(len(manifests) == 1, manifests)
print("ok")
