"""80,000 blank nodes in one 1.8 MB /mutate body: one mutation, 80,000
distinct uids, each node holding its own value in the export. (How long it
takes is scripts/bench_blank_nodes.py's to print, not a test's to assert.)"""
from cairnlib import Alpha, Zero, expect, workdir

N = 80000
wd = workdir("blank-80000")
zero = Zero(wd)
alpha = Alpha(wd, zero)
r = alpha.mutate("{ set {\n%s} }" % "".join('_:b%d <k> "%d" .\n' % (i, i) for i in range(N)))
uids = {name: int(u, 16) for name, u in r["data"]["uids"].items()}
distinct = len(set(uids.values()))
print("%d blank nodes: %d names answered, %d distinct uids" % (N, len(uids), distinct))
expect(len(uids) == N and distinct == N)
lines = alpha.export().splitlines()
want = {'<0x%x> <k> "%d" .' % (uids["b%d" % i], i) for i in range(N)}
print("export: %d quads, %d as expected" % (len(lines), len(want & set(lines))))
expect(set(lines) == want and len(lines) == N)
alpha.stop()
zero.stop()
print("PASS")
