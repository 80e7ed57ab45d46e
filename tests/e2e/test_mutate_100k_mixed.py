"""One /mutate of 100,000 triples of every kind (short strings, typed
integers, edges to blank nodes and to leased uids, blank-node subjects):
applied as one commit, every blank node a distinct new uid, and the export
holds exactly the triples sent. (How fast it goes is the benchmark's to
print, not a test's to assert.)"""
from cairnlib import Alpha, Zero, expect, lit, workdir

NODES = 25000  # four triples each
wd = workdir("mutate-100k")
zero = Zero(wd)
alpha = Alpha(wd, zero)
lease = zero.assign("uids", 1000)
targets = list(range(lease["startId"], lease["endId"] + 1))
lines = []
for i in range(NODES):
    lines.append('_:n%d <name> %s .' % (i, lit("person %d" % i)))
    lines.append('_:n%d <age> %s .' % (i, lit(str(i % 90), typ="xs:int")))
    lines.append('_:n%d <friend> _:n%d .' % (i, (i * 31 + 7) % NODES))
    lines.append('_:n%d <link> <0x%x> .' % (i, targets[i % len(targets)]))
r = alpha.mutate("{ set {\n%s\n} }" % "\n".join(lines))
uids = {name: int(u, 16) for name, u in r["data"]["uids"].items()}
print("%d blank nodes answered, %d distinct uids" % (len(uids), len(set(uids.values()))))
expect(len(uids) == NODES and len(set(uids.values())) == NODES)
expect(not set(uids.values()) & set(targets), "a blank node reused a leased uid")
want = set()
for i in range(NODES):
    s = uids["n%d" % i]
    want.add('<0x%x> <name> %s .' % (s, lit("person %d" % i)))
    want.add('<0x%x> <age> %s .' % (s, lit(str(i % 90), typ="xs:int")))
    want.add('<0x%x> <friend> <0x%x> .' % (s, uids["n%d" % ((i * 31 + 7) % NODES)]))
    want.add('<0x%x> <link> <0x%x> .' % (s, targets[i % len(targets)]))
got = alpha.export().splitlines()
print("export: %d quads, %d distinct, %d as expected" % (len(got), len(set(got)), len(want & set(got))))
expect(len(want) == 4 * NODES and len(got) == 4 * NODES and set(got) == want)
alpha.stop()
zero.stop()
print("PASS")
