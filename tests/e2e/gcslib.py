"""gcslib — the GCS stand-in (tests/servers/gcs_standin.py) on a free loopback
port, and throw-away service-account keys in Google's JSON key format."""
import json
import os
import subprocess
import sys
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cairnlib import SOURCE_DIR, _LIVE, http, note_secret


class ServiceAccount:
    """An RSA key pair and its JSON key file, as the Cloud console hands one out."""

    def __init__(self, wd, name="cairn-backup", project="cairn-test", token_uri=None):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        self.public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.email = "%s@%s.iam.gserviceaccount.com" % (name, project)
        self.key_id = os.urandom(20).hex()
        note_secret(self.pem)
        for line in self.pem.splitlines()[5:7]:
            note_secret(line)
        note_secret(self.key_id)
        self.path = os.path.join(wd, name + "-key.json")
        self.write(token_uri or "https://oauth2.googleapis.com/token")

    def write(self, token_uri):
        self.token_uri = token_uri
        with open(self.path, "w") as f:
            json.dump({"type": "service_account", "project_id": "cairn-test",
                       "private_key_id": self.key_id, "private_key": self.pem,
                       "client_email": self.email, "client_id": "1%020d" % int(self.key_id[:8], 16),
                       "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
                       "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
                       "universe_domain": "googleapis.com"}, f, indent=2)
        os.chmod(self.path, 0o600)


class GcsStandIn:
    def __init__(self, wd, accounts, buckets, name="gcs", read_only=(), **cfg):
        cfgfile = os.path.join(wd, name + ".json")
        self.portfile = os.path.join(wd, name + ".port")
        # "tokens.log": the one name the secrets scan knows holds secrets.
        os.makedirs(os.path.join(wd, name + "-tokens"), exist_ok=True)
        self.token_log = os.path.join(wd, name + "-tokens", "tokens.log")
        cfg = dict(cfg, buckets=list(buckets), token_log=self.token_log,
                   accounts={a.email: {"public_key": a.public_pem, "read_only": a in read_only} for a in accounts})
        with open(cfgfile, "w") as f:
            json.dump(cfg, f)
        self.log = open(os.path.join(wd, name + "-standin.out"), "wb")
        self.p = subprocess.Popen([sys.executable, os.path.join(SOURCE_DIR, "tests", "servers", "gcs_standin.py"),
                                   cfgfile, "--port-file", self.portfile], stdout=self.log, stderr=subprocess.STDOUT)
        _LIVE.append(self.p)
        deadline = time.time() + 20
        while time.time() < deadline and not (os.path.exists(self.portfile) and open(self.portfile).read().strip()):
            if self.p.poll() is not None:
                raise AssertionError("gcs_standin.py exited: see %s" % self.log.name)
            time.sleep(0.05)
        self.port = int(open(self.portfile).read().strip())
        self.addr = "http://127.0.0.1:%d" % self.port
        self.token_uri = self.addr + "/token"

    def stats(self):
        st, body = http("GET", self.addr + "/_standin/stats")
        return json.loads(body)

    def note_tokens(self):
        """The issued tokens are secrets no log may hold."""
        if os.path.exists(self.token_log):
            for t in open(self.token_log).read().split():
                note_secret(t)

    def stop(self):
        self.note_tokens()
        self.p.terminate()
        self.p.wait()
        self.log.close()
