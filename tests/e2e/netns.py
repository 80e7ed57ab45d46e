"""netns — "another machine" for tests: a network namespace joined to this one
by a veth pair with addresses in 198.18.0.0/15 (RFC 2544 benchmarking space).

    with NetNS() as ns:
        server listens on ns.host_ip (this side of the pair)
        ns.http("POST", "http://%s:%d/alter" % (ns.host_ip, port), body)  # from ns.peer_ip

Everything it creates is removed on exit (and at interpreter exit if a test
dies first). Traffic only ever crosses the pair: never this machine's other
addresses. Needs root (CI runs as root); NetNS.available() says whether it can.
"""
import atexit
import json
import os
import subprocess
import sys

_CREATED = []


def _ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError("ip %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


def _cleanup():
    for name in list(_CREATED):
        _ip("netns", "delete", name, check=False)
        _CREATED.remove(name)


atexit.register(_cleanup)

_HTTP_CLIENT = r'''
import json, sys, urllib.request, urllib.error
a = json.loads(sys.stdin.read())
data = a["body"].encode("latin-1") if a["body"] is not None else None
req = urllib.request.Request(a["url"], data=data, method=a["method"], headers=a["headers"])
try:
    with urllib.request.urlopen(req, timeout=a["timeout"]) as r:
        out = {"status": r.status, "body": r.read().decode("latin-1")}
except urllib.error.HTTPError as e:
    out = {"status": e.code, "body": e.read().decode("latin-1")}
except Exception as e:
    out = {"status": 0, "body": "%s: %s" % (type(e).__name__, e)}
print(json.dumps(out))
'''


class NetNS:
    """One namespace and its veth pair; index picks a /30 inside 198.18.0.0/15."""

    _seq = 0

    def __init__(self, index=None):
        NetNS._seq += 1
        idx = index if index is not None else (os.getpid() * 7 + NetNS._seq) % 30000
        self.name = "cairn-%d-%d" % (os.getpid(), NetNS._seq)
        tag = "%x%x" % (os.getpid() & 0xffff, NetNS._seq)
        self.veth_host = ("ch" + tag)[:15]
        self.veth_ns = ("cn" + tag)[:15]
        base = idx * 4  # a /30: .1 here, .2 there
        self.host_ip = "198.%d.%d.%d" % (18 + (base >> 16), (base >> 8) & 255, (base & 255) + 1)
        self.peer_ip = "198.%d.%d.%d" % (18 + (base >> 16), (base >> 8) & 255, (base & 255) + 2)

    @staticmethod
    def available():
        return os.geteuid() == 0 and subprocess.run(["ip", "-V"], capture_output=True).returncode == 0

    def __enter__(self):
        _ip("netns", "add", self.name)
        _CREATED.append(self.name)
        _ip("link", "add", self.veth_host, "type", "veth", "peer", "name", self.veth_ns)
        _ip("link", "set", self.veth_ns, "netns", self.name)
        _ip("addr", "add", self.host_ip + "/30", "dev", self.veth_host)
        _ip("link", "set", self.veth_host, "up")
        self.exec_(["ip", "addr", "add", self.peer_ip + "/30", "dev", self.veth_ns])
        self.exec_(["ip", "link", "set", self.veth_ns, "up"])
        self.exec_(["ip", "link", "set", "lo", "up"])
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        # Deleting the namespace deletes the pair (both ends go together).
        _ip("link", "delete", self.veth_host, check=False)
        if self.name in _CREATED:
            _ip("netns", "delete", self.name, check=False)
            _CREATED.remove(self.name)

    def exec_(self, args, check=True, timeout=60, input=None):
        """Runs a command inside the namespace; returns CompletedProcess."""
        p = subprocess.run(["ip", "netns", "exec", self.name] + list(args), capture_output=True,
                           text=True, timeout=timeout, input=input)
        if check and p.returncode != 0:
            raise AssertionError("in %s: %s: %s" % (self.name, " ".join(args), p.stderr.strip()))
        return p

    def popen(self, args, **kw):
        """Starts a long-running process inside the namespace."""
        return subprocess.Popen(["ip", "netns", "exec", self.name] + list(args), **kw)

    def http(self, method, url, body=None, headers=None, timeout=30):
        """One HTTP request made from inside the namespace (source address
        peer_ip). Returns (status, body str); status 0 when no answer came."""
        if isinstance(body, bytes):
            body = body.decode("latin-1")
        arg = json.dumps({"method": method, "url": url, "body": body, "headers": headers or {},
                          "timeout": timeout})
        p = self.exec_([sys.executable, "-c", _HTTP_CLIENT], timeout=timeout + 30, input=arg)
        out = json.loads(p.stdout)
        return out["status"], out["body"]
