"""A two-group cluster with a cluster secret works end to end, and a
backup's destination credentials never cross the network in clear: group
2's alpha advertises (--my) a TCP relay that records every byte between the
alphas; mutations in both groups, a drop_all forwarded to group 2, a backup
(with accessKey/secretKey/sessionToken in the request) and `cairn restore -z`
signed with the secret all succeed, and the relay's bytes hold the sealed
credentials but neither the secret key, the access key, the session token
nor the admin token. Without the secret, restore -z is refused by a zero
that requires a token."""
import os
import socket
import threading

from cairnlib import (Alpha, Zero, cluster_secret, expect, free_port, lit, lsbackup, note_secret,
                      restore, workdir)

wd = workdir("cluster-secret")
secret_path = cluster_secret(wd)
TOKEN = "zero-and-alpha-admin-token-77"
ACCESS, SECRET_KEY, SESSION = "AKIARELAYTEST0001", "relay-secret-key-5d8e0a1b2c3d", "relay-session-token-9f8e7d6c"
for s in (ACCESS, SECRET_KEY, SESSION):
    note_secret(s)


class Relay:
    """127.0.0.1:port -> target, recording both directions."""

    def __init__(self, target_port):
        self.port, self.target = free_port(), target_port
        self.buf, self.mu = bytearray(), threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pump, args=(c, u), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c), daemon=True).start()

    def pump(self, a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                with self.mu:
                    self.buf += d
                b.sendall(d)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def bytes(self):
        with self.mu:
            return bytes(self.buf)


tok = ["--auth_token", TOKEN]
zero = Zero(wd, secret=secret_path, extra=tok)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), secret=secret_path, extra=tok)
a2_port = free_port()
relay = Relay(a2_port)
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), port=a2_port, secret=secret_path,
           extra=tok + ["--my", "127.0.0.1:%d" % relay.port])
members = {m["addr"] for g in zero.state()["groups"].values() for m in g["members"].values()}
expect("127.0.0.1:%d" % relay.port in members, members)

lease = zero.assign("uids", 10)["startId"]
a1.mutate("{ set { <0x%x> <name> %s . } }" % (lease, lit("one")))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (lease, lease + 1))
expect(a2.export().count("<friend>") == 1)

# drop_all through group 1 reaches group 2 (through the relay), signed.
a1.alter({"drop_all": True})
expect(a1.export() == "" and a2.export() == "", (a1.export(), a2.export()))
forwarded = relay.bytes()
expect(b"/internal/alter" in forwarded and b"X-Cairn-Member: v1 " in forwarded, forwarded[:500])

a1.mutate("{ set { <0x%x> <name> %s . } }" % (lease, lit("one again")))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (lease, lease + 1))
dest = os.path.join(wd, "backups")
a1.backup_ok(dest, accessKey=ACCESS, secretKey=SECRET_KEY, sessionToken=SESSION)
m = lsbackup(dest)
expect(len(m) == 1 and sorted(m[0]["groups"]) == ["1", "2"], m)

wire = relay.bytes()
expect(b"/internal/backup" in wire and wire.count(b"cairn-sealed:v1:") >= 3, len(wire))
for s in (SECRET_KEY, ACCESS, SESSION, TOKEN):
    expect(s.encode() not in wire, "%s crossed the network in clear" % s[:6])
print("relay recorded %d bytes: credentials sealed, no token" % len(wire))

# restore -z into a new cluster's zero (which must move past the backup):
# signed with the secret it works; without, zero wants its token.
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"), secret=secret_path, extra=tok)
p = restore(["-p", os.path.join(wd, "restored-nosecret"), "-l", dest, "-z", zero2.addr])
expect(p.returncode != 0 and "X-Cairn-AuthToken" in p.stderr, p.stderr)
p = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "-z", zero2.addr,
             "--cluster_secret_file", secret_path])
expect(p.returncode == 0, p.stdout + p.stderr)
st2 = zero2.state()
expect(st2["maxTxnTs"] >= m[0]["read_ts"] and st2["maxUID"] >= m[0]["max_uid"], (st2, m))
zero2.stop()
expect(sorted(os.listdir(os.path.join(wd, "restored"))) == ["p1", "p2"], os.listdir(os.path.join(wd, "restored")))

for proc in (a1, a2, zero):
    log = proc.proc.output()
    for s in (SECRET_KEY, ACCESS, SESSION, TOKEN, open(secret_path).read().strip()):
        expect(s not in log, "a secret in %s's log" % proc.proc.name)
a1.stop()
a2.stop()
zero.stop()
print("1 passed, 0 failed")
