"""Zero unreachable at each step of a backup and a restore: the alpha talks
to zero through a proxy (in this test) that drops the connection of the one
zero call a case names. The backup fails at that step with one GraphQL error
naming zero, writes no manifest, and the next backup completes; a zero that
cannot take the lock back only costs a warning; restore -z with zero's
/health unreachable (or answering 503) restores nothing, and with /state or
/assign unreachable says the data is restored but zero is not updated. The alpha serves throughout."""
import glob
import http.client
import http.server
import os
import threading

from cairnlib import Alpha, Model, Zero, expect, lit, load_sample, lsbackup, restore, workdir

wd = workdir("zero-unreachable")
dest = os.path.join(wd, "backups")
zero = Zero(wd)


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True
    drop = None  # a path prefix whose calls get their connection closed
    dropped = 0
    refuse = None  # a path prefix whose calls zero answers 503


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.drop and self.path.startswith(self.server.drop):
            self.server.dropped += 1
            self.close_connection = True
            return
        if self.server.refuse and self.path.startswith(self.server.refuse):
            self.server.dropped += 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        c = http.client.HTTPConnection(zero.addr, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c.request(self.command, self.path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        c.close()

    do_GET = forward
    do_POST = forward


proxy = Proxy(("127.0.0.1", 0), Handler)
threading.Thread(target=proxy.serve_forever, daemon=True).start()


class ViaProxy:
    addr = "127.0.0.1:%d" % proxy.server_address[1]


alpha = Alpha(wd, ViaProxy)
backups = 0


def manifests():
    return len(glob.glob(os.path.join(dest, "cairn.*", "manifest.json")))


def backup_fails_at(prefix):
    proxy.drop, proxy.dropped = prefix, 0
    out = alpha.backup(dest)
    proxy.drop = None
    msg = out.get("errors", [{}])[0].get("message", "")
    expect(proxy.dropped > 0 and out["data"]["backup"] is None and "zero" in msg, (prefix, out))
    expect(manifests() == backups, "a backup that could not reach zero at %s wrote a manifest" % prefix)
    print("backup with zero's %s unreachable: %s" % (prefix, msg))


# Nothing committed yet: the read timestamp is one zero leases.
backup_fails_at("/assign?what=timestamps")
model = Model()
uids = load_sample(alpha, model, n_people=100)
for i, step in enumerate(["/internal/license", "/internal/lock", "/state"]):
    backup_fails_at(step)
    alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[i], lit("after %d" % i)))
alpha.backup_ok(dest)
backups += 1
# The lock not given back: the backup stands, with a warning in the log.
proxy.drop = "/internal/unlock"
alpha.backup_ok(dest)
proxy.drop = None
backups += 1
expect(manifests() == backups and len(lsbackup(dest)) == backups)
expect("cannot release the backup lock at zero" in alpha.proc.output(), alpha.proc.output()[-2000:])
want = alpha.export()
expect(alpha.proc.alive(), "the alpha died")
alpha.stop()

zero.stop()

# restore -z into a new cluster, whose zero the proxy now fronts.
zero = Zero(wd, wal=os.path.join(wd, "zw2"))


def restore_fails_at(prefix, target, want):
    proxy.drop, proxy.dropped = prefix, 0
    p = restore(["-p", target, "-l", dest, "-z", ViaProxy.addr])
    proxy.drop = None
    err = p.stderr.strip().splitlines()
    expect(proxy.dropped > 0 and p.returncode == 1 and err and err[-1].startswith("error: ") and
           want in err[-1], (prefix, p.stdout, p.stderr))
    print("restore with zero's %s unreachable: %s" % (prefix, err[-1]))


# Checked first: nothing restored.
restore_fails_at("/health", os.path.join(wd, "r-health"), "nothing was restored")
expect(not os.path.exists(os.path.join(wd, "r-health", "p1")), "restore wrote with zero unreachable")
# A zero that answers, but not 200: the same.
proxy.refuse, proxy.dropped = "/health", 0
p = restore(["-p", os.path.join(wd, "r-503"), "-l", dest, "-z", ViaProxy.addr])
proxy.refuse = None
expect(proxy.dropped == 1 and p.returncode == 1 and "answered 503" in p.stderr and "nothing was restored" in p.stderr,
       p.stderr)
expect(not os.path.exists(os.path.join(wd, "r-503", "p1")), "restore wrote with zero answering 503")
# Moving zero past the data, last: restored, and the error says what to run.
restore_fails_at("/assign", os.path.join(wd, "r-assign"), "the data is restored, but zero was not updated")
restore_fails_at("/state", os.path.join(wd, "r-state"), "the data is restored, but zero was not updated")
target = os.path.join(wd, "restored")
p = restore(["-p", target, "-l", dest, "-z", ViaProxy.addr])
expect(p.returncode == 0, p.stderr)
a2 = Alpha(wd, zero, postings=os.path.join(target, "p1"))
expect(a2.export() == want, "the restored state differs")
a2.stop()
zero.stop()
proxy.shutdown()
print("1 passed, 0 failed")
