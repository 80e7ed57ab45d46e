"""Loads 100,000 N-Quads through /mutate, overwrites and deletes some, and
checks /export at two read timestamps while a writer runs concurrently: each
export must equal the model's state at that timestamp exactly."""
import random
import threading

from cairnlib import Alpha, Model, Zero, lit, nquads, workdir, expect

wd = workdir("store-concurrent")
zero = Zero(wd)
alpha = Alpha(wd, zero)
model = Model()
rng = random.Random(7)

# 100,000 triples over 10,000 nodes, in mutations of 5,000, through blank nodes
# first (so uids are leased), then by uid.
first = alpha.mutate("{ set { _:a <name> %s . } }" % lit("seed"))
base = int(first["data"]["uids"]["a"], 16)
model.record_mutation(first["extensions"]["txn"]["commit_ts"], [(base, "name", lit("seed"))], [])
lease = zero.assign("uids", 10000)
nodes = list(range(lease["startId"], lease["endId"] + 1))
awkward = ['quote " here', "back\\slash", "new\nline", "tab\tand unicode \u00e9\u4e2d", "ctl\x01x"]
triples = []
for i in range(100000):
    s = nodes[i % len(nodes)]
    kind = i % 4
    if kind == 0:
        triples.append((s, "name", lit("n%d" % i)))
    elif kind == 1:
        triples.append((s, "age", lit(str(i % 90), typ="xs:int")))
    elif kind == 2:
        triples.append((s, "friend", "<0x%x>" % nodes[(i * 7 + i // len(nodes)) % len(nodes)]))
    else:
        triples.append((s, "bio", lit(awkward[i % len(awkward)] + str(i), lang="en" if i % 8 == 3 else None)))
for k in range(0, len(triples), 5000):
    chunk = triples[k:k + 5000]
    r = alpha.mutate("{ set {\n%s} }" % nquads(chunk))
    model.record_mutation(r["extensions"]["txn"]["commit_ts"], chunk, [])

# Overwrites (delete-star then set) and deletes of single triples.
for k in range(20):
    victims = rng.sample(nodes, 50)
    dels = [(s, "name", "*") for s in victims]
    sets = [(s, "name", lit("renamed-%d-%d" % (k, s))) for s in victims]
    body = "{ delete {\n%s} set {\n%s} }" % (
        "".join("<0x%x> <name> * .\n" % s for s in victims), nquads(sets))
    r = alpha.mutate(body)
    model.record_mutation(r["extensions"]["txn"]["commit_ts"], sets, dels)
for k in range(10):
    gone = rng.sample(triples, 100)
    r = alpha.mutate("{ delete {\n%s} }" % nquads(gone))
    model.record_mutation(r["extensions"]["txn"]["commit_ts"], [], gone)

# A concurrent writer keeps committing while we export at fixed timestamps.
stop = threading.Event()
errors = []


def writer():
    i = 0
    try:
        while not stop.is_set():
            s = nodes[i % len(nodes)]
            sets = [(s, "score", lit(str(i)))]
            dels = [(s, "score", "*")]
            r = alpha.mutate("{ delete { <0x%x> <score> * . } set {\n%s} }" % (s, nquads(sets)))
            model.record_mutation(r["extensions"]["txn"]["commit_ts"], sets, dels)
            i += 1
    except Exception as e:  # surfaced below
        errors.append(e)


t = threading.Thread(target=writer)
t.start()
try:
    import time
    time.sleep(0.5)
    mark1 = alpha.mutate("{ set { <0x%x> <marker> %s . } }" % (nodes[0], lit("one")))
    ts1 = mark1["extensions"]["txn"]["commit_ts"]
    model.record_mutation(ts1, [(nodes[0], "marker", lit("one"))], [])
    time.sleep(0.5)
    mark2 = alpha.mutate("{ delete { <0x%x> <marker> * . } set { <0x%x> <marker> %s . } }" % (nodes[0], nodes[0], lit("two")))
    ts2 = mark2["extensions"]["txn"]["commit_ts"]
    model.record_mutation(ts2, [(nodes[0], "marker", lit("two"))], [(nodes[0], "marker", "*")])
    time.sleep(0.3)
    exp1 = alpha.export(ts1)
    exp2 = alpha.export(ts2)
finally:
    stop.set()
    t.join()
expect(not errors, errors)

want1 = Model.export_text(model.state_at(ts1))
want2 = Model.export_text(model.state_at(ts2))
expect(exp1.count("\n") > 90000, exp1.count("\n"))
expect(exp1 == want1, "export at %d differs from the model (%d vs %d lines)" % (ts1, exp1.count("\n"), want1.count("\n")))
expect(exp2 == want2, "export at %d differs from the model" % ts2)
expect(exp1 != exp2)
# The latest export equals the model's final state once the writer stopped.
final_ts = max(t for t, _, _ in model.log)
expect(alpha.export() == Model.export_text(model.state_at(final_ts)))
alpha.stop()
zero.stop()
print("1 passed, 0 failed")
