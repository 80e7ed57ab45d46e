"""storage-azure retries and deadlines: behind a loopback proxy to Azurite
that answers every third request with 503 ServerBusy (and drops one
connection without an answer), `cairn storage-check` still passes every
check, the driver having retried; a server that accepts connections and
never answers makes lsbackup fail within its deadline ([azure]
timeout_seconds = 5, max_attempts = 2) with one error naming a timeout."""
import http.client
import http.server
import os
import socket
import socketserver
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
import azurite  # noqa: E402

from cairnlib import PLUGIN_DIR, expect, note_secret, run, workdir  # noqa: E402

wd = workdir("azure-faults")
az = azurite.Azurite().start()
stats = {"n": 0, "busy": 0, "dropped": 0}
lock = threading.Lock()
# A request answered 503 is let through when it is tried again: with several
# threads sharing the count, "every third" could otherwise hit one request's
# every retry (a test of retrying, not of giving up).
failed_once = set()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            stats["n"] += 1
            n = stats["n"]
        if n == 5:  # one connection dropped with no answer
            with lock:
                stats["dropped"] += 1
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        key = (self.command, self.path, self.headers.get("x-ms-range"))
        with lock:
            busy = n % 3 == 0 and key not in failed_once
            if busy:
                failed_once.add(key)
            else:
                failed_once.discard(key)
        if busy:
            with lock:
                stats["busy"] += 1
            msg = b'<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>busy</Message></Error>'
            self.send_response(503)
            self.send_header("x-ms-error-code", "ServerBusy")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(msg)
            return
        c = http.client.HTTPConnection("127.0.0.1", az.port, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        c.request(self.command, self.path, body=body if body or self.command == "PUT" else None, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                self.send_header(k, v)
        length = r.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


proxy = Server(("127.0.0.1", 0), Proxy)
threading.Thread(target=proxy.serve_forever, daemon=True).start()
hung = socket.socket()
hung.bind(("127.0.0.1", 0))
hung.listen(16)  # accepts (the kernel does) and never answers
try:
    note_secret(azurite.KEY)
    az.create_container("faults")
    uri = "azure://127.0.0.1:%d/%s/faults?secure=false" % (proxy.server_address[1], azurite.ACCOUNT)
    p = run(["storage-check", uri, "--plugin_dir", PLUGIN_DIR, "--large_mb", "20", "--objects", "60"],
            env=az.env(), timeout=600)
    print(p.stdout)
    print("proxy: %(n)d requests, %(busy)d answered 503, %(dropped)d dropped" % stats)
    expect(p.returncode == 0 and "11 passed, 0 failed, 0 skipped" in p.stdout, p.stdout + p.stderr)
    expect(stats["busy"] > 10 and stats["dropped"] == 1, stats)
    expect(az.blobs("faults") == {}, az.blobs("faults"))

    ini = os.path.join(wd, "azure.ini")
    open(ini, "w").write("[azure]\ntimeout_seconds = 5\nmax_attempts = 2\n")
    started = time.time()
    p = run(["lsbackup", "-l", "azure://127.0.0.1:%d/%s/faults?secure=false" % (hung.getsockname()[1], azurite.ACCOUNT),
             "--plugin_dir", PLUGIN_DIR, "--config", ini], env=az.env(), timeout=120)
    secs = time.time() - started
    print("hung server: %.1f s: %s" % (secs, p.stderr.strip()))
    expect(p.returncode != 0 and p.stderr.count("error:") == 1 and "timed out" in p.stderr.lower(), p.stderr)
finally:
    proxy.shutdown()
    hung.close()
    az.stop()
print("1 passed, 0 failed")
