"""The export's JSON form writes a typed literal as the JSON value of its
type only when its text is one: xs:int/integer/long as a number when it is an
RFC 8259 integer, xs:float/double as a number when it is an RFC 8259 number,
xs:boolean true/false as a boolean; any other text stays the string it was
written as (so nothing is lost or invented)."""
import gzip
import json
import os

from cairnlib import Alpha, Zero, expect, lit, workdir
from exportlib import export_ok

wd = workdir("export-json-values")
dest = os.path.join(wd, "exports")
zero = Zero(wd)
alpha = Alpha(wd, zero)

CASES = [  # (predicate, text, type, the JSON value expected)
    ("i1", "-12", "xs:int", -12),
    ("i2", "0", "xs:integer", 0),
    ("i3", "-", "xs:int", "-"),
    ("i4", "1.5", "xs:long", "1.5"),
    ("i5", "12a", "xs:int", "12a"),
    ("f1", "1.5e3", "xs:float", 1500.0),
    ("f2", "-0.25E-2", "xs:double", -0.0025),
    ("f3", "3", "xs:float", 3),
    ("f4", "1e+5", "xs:double", 100000.0),
    ("f5", "1.", "xs:float", "1."),
    ("f6", "2e", "xs:float", "2e"),
    ("f7", ".5", "xs:double", ".5"),
    ("f8", "1.5x", "xs:float", "1.5x"),
    ("f9", "01.5", "xs:float", "01.5"),
    ("b1", "false", "xs:boolean", False),
    ("b2", "true", "xs:boolean", True),
    ("b3", "yes", "xs:boolean", "yes"),
]
body = "\n".join('_:x <%s> %s .' % (p, lit(text, typ=ty)) for p, text, ty, _ in CASES)
r = alpha.mutate("{ set {\n%s\n} }" % body)
uid = r["data"]["uids"]["x"]
p = export_ok(alpha, dest, "json")
name = [f for f in p["exportedFiles"] if f.endswith(".json.gz")][0]
data = json.loads(gzip.decompress(open(os.path.join(dest, name), "rb").read()))
objs = [o for o in data if o["uid"] == uid]
got = {}
for o in objs:
    got.update({k: v for k, v in o.items() if k != "uid"})
for pred, text, ty, want in CASES:
    v = got.get(pred)
    expect(v == want and type(v) is type(want), (pred, text, ty, v, want))
print("%d typed literals, each exported as %s" % (len(CASES), "its type's JSON value or its text"))
alpha.stop()
zero.stop()
print("1 passed, 0 failed")
