"""POST /alter acts on every group or fails naming the group: drop_all sent
to group 1's alpha empties group 2 too; drop_attr reaches the group that
owns the predicate; with group 2's alpha down, drop_all answers an error
naming group 2 (never Success) while drop_attr of group 1's own predicate
still succeeds; /internal/alter, the alpha-to-alpha form, is an admin
endpoint (the forwarding alpha sends its token, here read from
--auth_token_file)."""
import json
import os
import signal

from cairnlib import Alpha, Zero, expect, http, lit, note_secret, workdir

wd = workdir("alter-groups")
zero = Zero(wd)
tok = ["--auth_token", "s3cret-alter-token"]
note_secret(tok[1])
tok_file = os.path.join(wd, "auth.token")
fd = os.open(tok_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    f.write(tok[1] + "\n")
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), extra=["--auth_token_file", tok_file])
a1.token = tok[1]
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), extra=tok)
lease = zero.assign("uids", 10)
u = lease["startId"]


def load():
    a1.mutate("{ set { <0x%x> <name> %s . <0x%x> <age> %s . } }" % (u, lit("A"), u, lit("3")))
    a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (u, u + 1))


load()
expect(a2.export().count("<friend>") == 1)

# drop_attr of group 2's predicate, sent to group 1's alpha.
a1.alter({"drop_attr": "friend"})
expect(a2.export() == "", a2.export())
expect(a1.export().count("\n") == 2)

# drop_all through group 1 empties group 2 too.
load()
out = a1.alter({"drop_all": True})
expect(out["data"]["code"] == "Success", out)
expect(a1.export() == "" and a2.export() == "", (a1.export(), a2.export()))

# The internal form wants the admin token.
st, body = http("POST", a2.url + "/internal/alter", json.dumps({"drop_all": True}), {"Content-Type": "application/json"})
expect(st == 401, (st, body))

# Group 2's alpha is down: drop_all is an error naming group 2, never Success.
load()
a2.stop(signal.SIGKILL)
st, body = http("POST", a1.url + "/alter", json.dumps({"drop_all": True}), a1.headers({"Content-Type": "application/json"}))
text = body.decode()
expect(st == 503 and "group 2" in text and "Success" not in text, (st, text))
expect("not in every group" in text, text)
# drop_attr needs only the owner: group 1's <age> still drops.
out = a1.alter({"drop_attr": "age"})
expect(out["data"]["code"] == "Success", out)

# Group 2 back: the repeated drop_all now reaches it.
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), extra=tok)
expect(a2.export().count("<friend>") == 1)
a1.alter({"drop_all": True})
expect(a2.export() == "")
a1.stop()
a2.stop()
zero.stop()
print("1 passed, 0 failed")
