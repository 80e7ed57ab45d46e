"""The alpha's HTTP surface refuses what it does not serve, each with its
status and one message saying what to do: the wrong method on /mutate,
/alter, /internal/alter and the group parts (405), an unknown path (404),
/export in another format or at a read_ts that is no positive number (400),
an /alter body that names an empty predicate (400). Nothing is applied."""
import json

from cairnlib import Alpha, Model, Zero, expect, http, load_sample, workdir

wd = workdir("alpha-http-refusals")
zero = Zero(wd)
alpha = Alpha(wd, zero)
load_sample(alpha, Model(), n_people=20)
before = alpha.export()


def refused(method, path, status, want, body=None):
    st, out = http(method, alpha.url + path, body)
    msg = json.loads(out)["errors"][0]["message"]
    expect(st == status and want in msg, (method, path, st, out))
    print("%s %s: %d %s" % (method, path, st, msg))


refused("GET", "/mutate?commitNow=true", 405, "POST an RDF mutation to /mutate?commitNow=true")
refused("GET", "/alter", 405, "POST to /alter")
refused("GET", "/internal/alter", 405, "POST to /internal/alter")
refused("GET", "/internal/backup", 405, "POST a group backup request")
refused("GET", "/internal/export", 405, "POST a group export request")
refused("GET", "/no/such/thing", 404, "no such endpoint /no/such/thing")
refused("GET", "/export?format=json", 400, "export supports format=rdf only")
for ts in ("0", "-1", "abc", "", "18446744073709551616"):
    refused("GET", "/export?read_ts=" + ts, 400, "read_ts must be a positive number below 2^64")
refused("POST", "/alter", 400, "the predicate name is empty", json.dumps({"drop_attr": ""}))
expect(alpha.export() == before, "a refused request changed the data")
alpha.stop()
zero.stop()
print("1 passed, 0 failed")
