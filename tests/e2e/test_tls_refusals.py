"""What TLS refuses, each with one clear message: a plain-http request to a
TLS listener gets no HTTP answer; an alpha without --tls_ca, or with a CA
that did not sign zero's certificate, does not start and names zero and
--tls_ca; `cairn restore -z` likewise, before it writes anything; a certificate that does not name
the address called (localhost for 127.0.0.1) is refused; a key that is not the certificate's,
a certificate without a key and a member serving TLS without a CA are
refused at start-up (flags or ini), and no message or log holds the key."""
import http.client
import os

from cairnlib import PLUGIN_DIR, TLS, Alpha, Zero, expect, http as http_call, note_secret, restore, run, workdir

wd = workdir("tls-refusals")
tls = TLS(wd)
other = TLS(wd, name="other")  # another CA, and a certificate signed by it
for t in (tls, other):
    note_secret("".join(l for l in open(t.key).read().splitlines() if not l.startswith("-----")))
plugin = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []
counted = 0

zero = Zero(wd, tls=tls)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), tls=tls)
a1.mutate("{ set { _:a <name> \"x\" . } }")

# Plain http to a TLS listener: no HTTP answer at all, for zero and alpha.
for addr in (zero.addr, a1.addr):
    try:
        st, body = http_call("GET", "http://%s/health" % addr, timeout=10)
        answer = "HTTP %d" % st
    except (OSError, http.client.HTTPException) as e:
        answer = None
        print("plain http to %s: %s" % (addr, type(e).__name__))
    expect(answer is None, "plain http to the TLS listener %s got %s" % (addr, answer))
    counted += 1


def alpha_fails(name, flags, *want):
    out = run(["alpha", "--http", "127.0.0.1:0", "-p", os.path.join(wd, "p-" + name), "-z", zero.addr]
              + plugin + flags, timeout=60)
    msg = out.stderr.strip()
    expect(out.returncode != 0, (name, out.stdout, msg))
    expect(len(msg.splitlines()) == 1, (name, msg))
    for w in want:
        expect(w in msg, (name, w, msg))
    print("%s: %s" % (name, msg))
    return msg


# Alphas that cannot talk to the TLS zero.
alpha_fails("no-ca", [], zero.addr, "--tls_ca")
alpha_fails("wrong-ca", other.flags(), "TLS with https://%s/" % zero.addr, "--tls_ca",
            "unable to get local issuer certificate")
counted += 2

# The certificate names 127.0.0.1, not localhost: calling zero by that name fails.
out = run(["alpha", "--http", "127.0.0.1:0", "-p", os.path.join(wd, "p-wn"), "-z", "localhost:%d" % zero.port]
          + plugin + tls.flags(), timeout=60)
expect(out.returncode != 0 and "TLS with https://localhost:%d/" % zero.port in out.stderr
       and "localhost" in out.stderr.split("failed", 1)[1], out.stderr)
print("wrong name: %s" % out.stderr.strip())
counted += 1

# restore -z against the TLS zero: without a CA and with the wrong one.
dest = os.path.join(wd, "backups")
a1.backup_ok(dest)
for name, flags, want in (("restore-no-ca", [], "give this command --tls_ca"),
                          ("restore-wrong-ca", ["--tls_ca", other.ca], "TLS with https://%s/" % zero.addr)):
    out = restore(["-p", os.path.join(wd, name), "-l", dest, "-z", zero.addr] + flags)
    expect(out.returncode != 0, out.stdout)
    expect(zero.addr in out.stderr and want in out.stderr and "--tls_ca" in out.stderr, out.stderr)
    # Zero is checked before anything is written.
    expect("nothing was restored" in out.stderr and not os.path.exists(os.path.join(wd, name)), out.stderr)
    print("%s: %s" % (name, out.stderr.strip()))
    counted += 1

# Start-up refusals: the key of another certificate, a missing key, no CA.
key_text = open(other.key).read()
for cmd in ("zero", "alpha"):
    common = ["--http", "127.0.0.1:0"] + (["-w", os.path.join(wd, "zw-" + cmd)] if cmd == "zero" else
                                        ["-p", os.path.join(wd, "p-" + cmd), "-z", zero.addr] + plugin)
    for flags, want in (
            (["--tls_cert", tls.cert, "--tls_key", other.key, "--tls_ca", tls.ca],
             "key file %s is not the private key of the certificate in %s" % (other.key, tls.cert)),
            (["--tls_cert", tls.cert, "--tls_ca", tls.ca], "--tls_cert needs --tls_key"),
            (["--tls_key", tls.key, "--tls_ca", tls.ca], "--tls_key needs --tls_cert"),
            (["--tls_cert", tls.cert, "--tls_key", tls.key], "--tls_cert needs --tls_ca"),
            (["--tls_cert", tls.cert, "--tls_key", tls.key, "--tls_ca", tls.key], "holds no PEM certificate"),
            (["--tls_cert", tls.cert, "--tls_key", os.path.join(wd, "nokey.pem"), "--tls_ca", tls.ca],
             "does not exist")):
        out = run([cmd] + common + flags, timeout=60)
        msg = out.stderr.strip()
        expect(out.returncode != 0 and len(msg.splitlines()) == 1 and want in msg, (cmd, flags, msg))
        expect(key_text.splitlines()[1] not in out.stdout + out.stderr, "key material in the output")
        counted += 1
# The same flags in the ini file: a certificate there without its CA.
ini = os.path.join(wd, "zero.ini")
with open(ini, "w") as f:
    f.write("[zero]\ntls_cert = %s\ntls_key = %s\n" % (tls.cert, tls.key))
out = run(["zero", "--http", "127.0.0.1:0", "-w", os.path.join(wd, "zw-ini"), "--config", ini], timeout=60)
expect(out.returncode != 0 and "--tls_cert needs --tls_ca" in out.stderr, out.stderr)
counted += 1
print("refusals checked: %d" % counted)
for p in (a1, zero):
    p.stop()
print("1 passed, 0 failed")
