"""radosgw.py — the Python side of radosgw.sh, for the end-to-end tests.

    gw = Radosgw()          # a temporary directory for the cluster
    gw.start()              # radosgw.sh start DIR; reads DIR/env
    gw.aws("s3", "mb", "s3://bucket")   # awscli against it, with its keys
    gw.uploads("bucket")    # keys of multipart uploads still open
    gw.stop()               # radosgw.sh stop DIR; removes DIR

Also storage_tool(), which runs tests/tools/storage_tool with credentials
only from the arguments given (never from the caller's environment)."""

import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "radosgw.sh")
BUILD = os.environ.get("CAIRN_BUILD_DIR", "")
TOOL = os.path.join(BUILD, "tests", "storage_tool")
PLUGIN_DIR = os.environ.get("CAIRN_PLUGIN_DIR", "")

CRED_VARS = ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
             "AWS_SESSION_TOKEN", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "AWS_CA_BUNDLE",
             "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def clean_env(**extra):
    """The environment without any credentials, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in CRED_VARS}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def aws_binary():
    for path in ("/usr/bin/aws", shutil.which("aws")):
        if path and os.access(path, os.X_OK):
            return path
    raise RuntimeError("awscli not found: apt-get install awscli (see scripts/packages.txt)")


class Radosgw:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cairn-rgw-")
        self.env = {}

    def start(self):
        p = subprocess.run(["bash", SCRIPT, "start", self.dir], capture_output=True, text=True,
                           timeout=300)
        if p.returncode != 0:
            raise RuntimeError("radosgw.sh start failed (exit %d): %s%s"
                               % (p.returncode, p.stdout, p.stderr))
        with open(os.path.join(self.dir, "env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                if k:
                    self.env[k] = v
        self.http = self.env["S3_ENDPOINT_HTTP"]
        self.https = self.env["S3_ENDPOINT_HTTPS"]
        self.access_key = self.env["S3_ACCESS_KEY"]
        self.secret_key = self.env["S3_SECRET_KEY"]
        self.ca_file = self.env["S3_CA_FILE"]
        self.ceph_conf = self.env["CEPH_CONF"]
        return self

    def stop(self):
        subprocess.run(["bash", SCRIPT, "stop", self.dir], capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)

    def aws(self, *args, https=False, check=True, anonymous=False, timeout=600):
        cmd = [aws_binary(), "--endpoint-url",
               ("https://" + self.https) if https else ("http://" + self.http),
               "--no-cli-pager", "--output", "json"]
        if https:
            cmd += ["--ca-bundle", self.ca_file]
        if anonymous:
            cmd += ["--no-sign-request"]
        env = clean_env(AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key,
                        AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                        AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        p = subprocess.run(cmd + list(args), capture_output=True, env=env, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed (exit %d): %s"
                                 % (" ".join(args), p.returncode, p.stderr.decode(errors="replace")))
        return p

    def mb(self, bucket):
        self.aws("s3api", "create-bucket", "--bucket", bucket)

    def uploads(self, bucket):
        """Keys of the multipart uploads open in bucket."""
        out = self.aws("s3api", "list-multipart-uploads", "--bucket", bucket).stdout
        data = json.loads(out) if out.strip() else {}
        return [u["Key"] for u in (data.get("Uploads") or [])]

    def keys(self, bucket, prefix=""):
        """{key: size} of every object in bucket under prefix (awscli pages for us)."""
        args = ["s3api", "list-objects-v2", "--bucket", bucket]
        if prefix:
            args += ["--prefix", prefix]
        out = self.aws(*args).stdout
        data = json.loads(out) if out.strip() else {}
        return {o["Key"]: o["Size"] for o in (data.get("Contents") or [])}

    def head(self, bucket, key):
        return json.loads(self.aws("s3api", "head-object", "--bucket", bucket, "--key", key).stdout)

    def cat(self, bucket, key, https=False):
        return self.aws("s3", "cp", "--only-show-errors", "s3://%s/%s" % (bucket, key), "-",
                        https=https).stdout

    def creds(self, scheme, secret=None, access=None):
        """The environment variables cairn reads for scheme."""
        a = self.access_key if access is None else access
        s = self.secret_key if secret is None else secret
        if scheme == "minio":
            return {"MINIO_ACCESS_KEY": a, "MINIO_SECRET_KEY": s}
        return {"AWS_ACCESS_KEY_ID": a, "AWS_SECRET_ACCESS_KEY": s}


def storage_tool(*args, data=b"", env=None, timeout=600):
    """Runs storage_tool with only the environment given (plus PATH etc.)."""
    cmd = [TOOL, "--plugin_dir", PLUGIN_DIR] + list(args)
    return subprocess.run(cmd, input=data, capture_output=True, env=clean_env(**(env or {})),
                          timeout=timeout)
