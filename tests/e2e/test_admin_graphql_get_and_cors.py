"""/admin over HTTP on a real alpha: GET runs queries and refuses mutations
(405, nothing written), a batch gets an array of answers, a CORS preflight
is answered without the admin token, a page origin outside --cors_origins
gets 403 (nothing runs) and an allowed one gets Access-Control-Allow-Origin,
never with credentials, on a refused token too."""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from cairnlib import Alpha, Zero, expect, workdir

TOKEN = "gql-cors-token-7d1f"


def call(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


wd = workdir("admin-get-cors")
zero = Zero(wd)
alpha = Alpha(wd, zero, extra=["--auth_token", TOKEN, "--cors_origins", "https://ui.example:8443"])
auth = {"X-Cairn-AuthToken": TOKEN}
admin = alpha.url + "/admin"

# GET: a query runs; a mutation is refused and writes nothing.
q = urllib.parse.urlencode({"query": "query($x: Boolean!) { health @include(if: $x) { status group } }",
                            "variables": json.dumps({"x": True})})
st, h, body = call("GET", admin + "?" + q, headers=auth)
expect(st == 200 and json.loads(body) == {"data": {"health": [{"status": "healthy", "group": "1"}]}},
       (st, body))
dest = os.path.join(wd, "b")
os.makedirs(dest)
m = urllib.parse.urlencode({"query": 'mutation { backup(input: {destination: "%s"}) { taskId } }' % dest})
st, h, body = call("GET", admin + "?" + m, headers=auth)
expect(st == 405 and h.get("Allow") == "POST", (st, h, body))
expect(os.listdir(dest) == [], os.listdir(dest))
st, h, body = call("GET", admin + "?" + q)
expect(st == 401, (st, body))

# A batch, with variables as a JSON string.
batch = [{"query": "{ health { instance } }"},
         {"query": "query($x: Boolean!) { __typename @include(if: $x) }", "variables": '{"x": true}'}]
st, h, body = call("POST", admin, json.dumps(batch), dict(auth, **{"Content-Type": "application/json"}))
expect(st == 200 and json.loads(body) == [{"data": {"health": [{"instance": "alpha"}]}},
                                          {"data": {"__typename": "Query"}}], (st, body))

# CORS: the preflight needs no token; origins outside --cors_origins are refused.
pre = {"Origin": "https://ui.example:8443", "Access-Control-Request-Method": "POST",
       "Access-Control-Request-Headers": "content-type, x-cairn-authtoken"}
st, h, body = call("OPTIONS", admin, headers=pre)
expect(st == 204 and h.get("Access-Control-Allow-Origin") == "https://ui.example:8443", (st, h))
expect("x-cairn-authtoken" in h.get("Access-Control-Allow-Headers", "").lower(), h)
expect("Access-Control-Allow-Credentials" not in h, h)
st, h, body = call("OPTIONS", admin, headers=dict(pre, Origin="http://localhost:3000"))
expect(st == 204 and "Access-Control-Allow-Origin" not in h, (st, h))
post = dict(auth, **{"Content-Type": "text/plain"})
mutation = 'mutation { backup(input: {destination: "%s"}) { response { code } } }' % dest
st, h, body = call("POST", admin, mutation, dict(post, Origin="https://evil.example"))
expect(st == 403 and b"--cors_origins" in body, (st, body))
expect(os.listdir(dest) == [], os.listdir(dest))
st, h, body = call("POST", admin, "{ health { status } }", dict(post, Origin="https://ui.example:8443"))
expect(st == 200 and h.get("Access-Control-Allow-Origin") == "https://ui.example:8443", (st, h, body))
expect(h.get("Vary") == "Origin" and "Access-Control-Allow-Credentials" not in h, h)
# An allowed page can read why it was refused (no token).
st, h, body = call("POST", admin, "{ health { status } }",
                   {"Content-Type": "text/plain", "Origin": "https://ui.example:8443"})
expect(st == 401 and h.get("Access-Control-Allow-Origin") == "https://ui.example:8443", (st, h, body))
print("ok")
