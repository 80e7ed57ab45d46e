"""A cluster with TLS everywhere: zero and two alphas (two groups) serve
https with a certificate from a throw-away CA (openssl, SAN IP:127.0.0.1)
and call each other over https; mutations on both groups, a two-group
backup (the coordinating alpha calls the other group's alpha), and
`cairn restore -z` against a TLS zero with --tls_ca restore both groups:
alphas started on them over TLS export what the originals held; zero's
probe of the alpha holding the backup lock goes over https too."""
import os
import threading
import time

from cairnlib import TLS, Alpha, Zero, expect, lit, lsbackup, note_secret, restore, workdir

wd = workdir("tls-cluster")
dest = os.path.join(wd, "backups")
tls = TLS(wd)
# The private key must never reach a log: the suite's scan looks for it.
note_secret("".join(l for l in open(tls.key).read().splitlines() if not l.startswith("-----")))

zero = Zero(wd, tls=tls)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), tls=tls)
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), tls=tls)
expect(zero.url.startswith("https://") and a1.url.startswith("https://") and a2.url.startswith("https://"))
groups = {open(os.path.join(wd, p, "group_id")).read().strip() for p in ("p-a1", "p-a2")}
expect(groups == {"1", "2"}, groups)

lease = zero.assign("uids", 200)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> ." % (u, people[(i * 7) % len(people)]) for i, u in enumerate(people)))
st = zero.state()["groups"]
expect(st["1"]["predicates"] == ["name"] and st["2"]["predicates"] == ["friend"], st)
print("mutations over https: %d names, %d friends" % (len(people), len(people)))

a1.backup_ok(dest)
b = lsbackup(dest)
expect(len(b) == 1 and sorted(b[0]["groups"]) == ["1", "2"], b)
ts = b[0]["read_ts"]
want1, want2 = a1.export(ts), a2.export(ts)
expect(want1.count("\n") == len(people) and want2.count("\n") == len(people), (want1[:200], want2[:200]))
print("backup of 2 groups at read_ts %d" % ts)

zero2 = Zero(wd, wal=os.path.join(wd, "zw2"), tls=tls)
out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "-z", zero2.addr, "--tls_ca", tls.ca])
expect(out.returncode == 0, out.stderr)
expect("Restored group 1" in out.stdout and "Restored group 2" in out.stdout, out.stdout)
expect("Zero at %s now hands out timestamps above %d" % (zero2.addr, ts) in out.stdout, out.stdout)
lease = zero2.assign("timestamps", 1)
expect(lease["startId"] > ts, lease)

r1 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p1"), tls=tls)
r2 = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p2"), tls=tls)
got1, got2 = r1.export(), r2.export()
expect(got1 == want1 and got2 == want2, "restored exports differ")
print("restored over TLS: %d + %d triples equal" % (got1.count("\n"), got2.count("\n")))
for p in (r1, r2, zero2):
    p.stop()

# Zero calls alphas too: asked for the backup lock while a backup runs, it
# probes the holder's /health over https; a failed probe would free the lock.
a1.stop()
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), tls=tls, env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "3000"})
res = {}
t = threading.Thread(target=lambda: res.setdefault("r", a1.backup(dest)))
t.start()
time.sleep(1.0)
other = a2.backup(dest)
t.join()
expect("errors" not in res["r"], res)
expect("already running on this cluster" in other["errors"][0]["message"], other)
expect("is gone" not in zero.proc.output(), zero.proc.output()[-2000:])
print("zero probed the backup's alpha over https: the second backup was refused")
for p in (a1, a2, zero):
    p.stop()
print("1 passed, 0 failed")
