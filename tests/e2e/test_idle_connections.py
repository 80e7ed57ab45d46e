"""Idle connections cannot take a server offline: 1000 idle TCP connections
from another machine (a network namespace) to each of zero and an alpha get
only --max_conns_per_peer of them accepted; idle connections from loopback
(exempt from the per-peer limit, 1100 to the alpha: descriptors above 1024)
are accepted up to --max_conns; meanwhile /health and /mutate from loopback
answer within 2 s; past --max_conns more connections are refused; and every
idle connection is closed after --idle_timeout."""
import json
import os
import resource
import socket
import subprocess
import sys
import time

from cairnlib import Alpha, Zero, expect, free_port, http, lit, workdir
from netns import NetNS

IDLE_S = 4
PER_PEER = 32
FROM_NS = 1000
LOOP_ALPHA = 1100  # past 1024: select() would break, poll() must not
LOOP_ZERO = 200
ZERO_MAX = 300

# Opens n connections to each target, reports how many are still open one
# second later, then again when told (a line on stdin).
NS_CLIENT = r'''
import json, socket, sys, time, resource
resource.setrlimit(resource.RLIMIT_NOFILE, (8000, 8000))
targets = json.loads(sys.argv[1]); n = int(sys.argv[2])
socks = {t: [] for t in targets}
for t in targets:
    host, port = t.rsplit(":", 1)
    for _ in range(n):
        s = socket.socket()
        s.settimeout(3)
        try:
            s.connect((host, int(port)))
            socks[t].append(s)
        except OSError:
            s.close()
def still_open(ss):
    k = 0
    for s in ss:
        s.setblocking(False)
        try:
            k += 1 if s.recv(1, socket.MSG_PEEK) else 0
        except BlockingIOError:
            k += 1
        except OSError:
            pass
    return k
time.sleep(1.5)
print(json.dumps({t: {"connected": len(v), "open": still_open(v)} for t, v in socks.items()}), flush=True)
sys.stdin.readline()
print(json.dumps({t: {"open": still_open(v)} for t, v in socks.items()}), flush=True)
'''


def still_open(socks):
    """Connections the server has not closed (no EOF, no reset)."""
    k = 0
    for s in socks:
        s.setblocking(False)
        try:
            k += 1 if s.recv(1, socket.MSG_PEEK) else 0
        except BlockingIOError:
            k += 1
        except OSError:
            pass
    return k


def open_idle(port, n):
    out = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(3)
        try:
            s.connect(("127.0.0.1", port))
            out.append(s)
        except OSError:
            s.close()
    return out


def peak_kib(proc):
    for line in open("/proc/%d/status" % proc.p.pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def timed(fn):
    t0 = time.time()
    r = fn()
    return r, time.time() - t0


if not NetNS.available():
    print("SKIP: needs root and ip(8) for a network namespace")
    sys.exit(0)
resource.setrlimit(resource.RLIMIT_NOFILE, (8000, 8000))
wd = workdir("idle-conns")
limits = ["--idle_timeout", str(IDLE_S), "--max_conns_per_peer", str(PER_PEER)]
with NetNS() as ns:
    zp, ap = free_port(), free_port()
    zero = Zero(wd, port=zp, extra=["--http", "0.0.0.0:%d" % zp, "--max_conns", str(ZERO_MAX)] + limits)
    alpha = Alpha(wd, zero, port=ap, extra=["--http", "0.0.0.0:%d" % ap, "--max_conns", "1300"] + limits)
    targets = {"zero": "%s:%d" % (ns.host_ip, zp), "alpha": "%s:%d" % (ns.host_ip, ap)}
    client = ns.popen([sys.executable, "-c", NS_CLIENT, json.dumps(list(targets.values())), str(FROM_NS)],
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(client.stdout.readline())
        loop_alpha = open_idle(ap, LOOP_ALPHA)
        loop_zero = open_idle(zp, LOOP_ZERO)
        time.sleep(1)
        counts = {name: first[t] for name, t in targets.items()}
        open_alpha, open_zero = still_open(loop_alpha), still_open(loop_zero)
        print("from the namespace (%d each): %s" % (FROM_NS, counts))
        print("from loopback: alpha %d/%d open, zero %d/%d open" % (open_alpha, LOOP_ALPHA, open_zero, LOOP_ZERO))
        for name in targets:
            expect(counts[name]["open"] == PER_PEER, (name, counts[name]))
        expect(open_alpha == LOOP_ALPHA and open_zero == LOOP_ZERO, (open_alpha, open_zero))

        (st, body), t_health = timed(lambda: http("GET", alpha.url + "/health", timeout=5))
        expect(st == 200, body)
        (st, body), t_zhealth = timed(lambda: http("GET", "http://%s/health" % zero.addr, timeout=5))
        expect(st == 200, body)
        (st, body), t_mutate = timed(lambda: http("POST", alpha.url + "/mutate?commitNow=true",
                                                  "{ set { _:a <name> %s . } }" % lit("busy"), timeout=5))
        expect(st == 200, body)
        print("while held: alpha /health %.3f s, zero /health %.3f s, /mutate %.3f s" % (t_health, t_zhealth, t_mutate))
        expect(max(t_health, t_zhealth, t_mutate) < 2.0, (t_health, t_zhealth, t_mutate))

        # Past zero's total: loopback counts towards it like everyone.
        extra = open_idle(zp, ZERO_MAX - PER_PEER - LOOP_ZERO + 20)
        time.sleep(1)
        open_extra, open_zero = still_open(extra), still_open(loop_zero)
        print("zero at --max_conns %d: %d of %d more loopback connections open (%d earlier ones still open)"
              % (ZERO_MAX, open_extra, len(extra), open_zero))
        # The earlier ones may have reached the idle timeout meanwhile on a
        # slow machine: the total held open is what --max_conns bounds.
        expect(open_extra + open_zero + PER_PEER <= ZERO_MAX and open_extra < len(extra), (open_extra, open_zero))

        time.sleep(IDLE_S + 3)
        client.stdin.write("check\n")
        client.stdin.flush()
        after = json.loads(client.stdout.readline())
        left = {"ns-" + n: after[t]["open"] for n, t in targets.items()}
        left.update({"loop-alpha": still_open(loop_alpha), "loop-zero": still_open(loop_zero),
                     "loop-zero-extra": still_open(extra)})
        print("still open %d s after the idle timeout: %s" % (3, left))
        expect(all(v == 0 for v in left.values()), left)
        st, _ = http("GET", "http://%s/health" % zero.addr, timeout=5)
        expect(st == 200)
        print("peak memory: alpha %d KiB, zero %d KiB" % (peak_kib(alpha.proc), peak_kib(zero.proc)))
    finally:
        client.kill()
        client.wait()
        for s in locals().get("loop_alpha", []) + locals().get("loop_zero", []) + locals().get("extra", []):
            s.close()
    alpha.stop()
    zero.stop()
print("PASS")
