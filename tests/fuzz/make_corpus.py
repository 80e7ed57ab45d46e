"""Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/)
from real inputs: a real cluster (the build's cairn, as the e2e tests start
it) takes the example mutations, is backed up plain and encrypted (full,
incremental, after a dropped predicate), and its manifests, objects and
export are kept; GraphQL requests come from tests/e2e, S3 answers are the
shapes radosgw and tests/e2e/test_s3_faults.py send, Vault answers come from
tests/servers/vault_standin.py's envelope. Not part of the test suite: run
it by hand when a format changes (docs/FUZZING.md), then commit the corpus.

  CAIRN_BIN=build/bin/cairn CAIRN_PLUGIN_DIR=build/lib/cairn/plugins \
      python3 tests/fuzz/make_corpus.py

Regression cases (files named crash-*) are left alone."""
import glob
import gzip
import hashlib
import json
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
sys.path.insert(0, os.path.join(SRC, "tests", "servers"))
from cairnlib import Alpha, Zero, workdir  # noqa: E402
import vault_standin  # noqa: E402

# The fuzz targets' fixed key (fuzz_records.c, fuzz_manifest.c).
FIXED_KEY = b"fuzz-fixed-aes-key-0123456789abc"
CORPUS = os.path.join(HERE, "corpus")


def put(target, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = name or "seed-" + hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def clear():
    for f in glob.glob(os.path.join(CORPUS, "*", "seed-*")):
        os.remove(f)


def backups():
    """A real cluster's backups: manifests and objects, plain and keyed."""
    wd = workdir("fuzz-corpus")
    people = open(os.path.join(SRC, "examples", "people.rdf")).read().splitlines()
    small = "{ set {\n" + "\n".join(people[1:25]) + "\n} }\n"
    keyfile = os.path.join(wd, "key")
    with open(keyfile, "wb") as f:
        f.write(FIXED_KEY)
    os.chmod(keyfile, 0o600)
    out = []
    for keyed in (False, True):
        sub = os.path.join(wd, "k" if keyed else "p")
        os.makedirs(sub, exist_ok=True)
        zero = Zero(sub)
        alpha = Alpha(sub, zero, extra=["--encryption_key_file", keyfile] if keyed else [])
        dest = os.path.join(sub, "backups")
        alpha.mutate(small)
        put("rdf", small)
        alpha.backup_ok(dest, force_full=True)
        second = ('{ set { _:x <name> "late"@en . _:x <age> "7"^^<xs:int> . } '
                  'delete { <0x1> <city> * . } }')
        alpha.mutate(second)
        put("rdf", second)
        alpha.backup_ok(dest)
        alpha.alter({"drop_attr": "city"})
        alpha.backup_ok(dest)
        if not keyed:
            put("rdf", alpha.export())
        alpha.stop()
        zero.stop()
        for m in sorted(glob.glob(os.path.join(dest, "cairn.*", "manifest.json"))):
            put("manifest", open(m, "rb").read())
            man = json.load(open(m))
            for o in man["objects"]:
                # The group's /internal/backup answer this entry was made from.
                ans = dict(o, encrypted=man["encrypted"], key_check=man.get("key_check", ""),
                           max_uid=man["max_uid"], predicates=man["groups"][str(o["group"])],
                           drop_operations=man["drop_operations"])
                put("group_wire", json.dumps(ans))
                obj = open(os.path.join(os.path.dirname(m), o["path"]), "rb").read()
                out.append((keyed, obj, o))
    for keyed, obj, o in out:
        mode = 2 if keyed else 1
        put("records", bytes([mode]) + obj)
        if o.get("blocks") and len(o["blocks"]) <= 4:
            # fuzz_records.c's index header: [n-1][log2(block_size/4096)][plain u32][u32...]
            bs = (o["block_size"] // 4096).bit_length() - 1
            head = bytes([len(o["blocks"]) - 1, bs]) + struct.pack("<I", o["plain_size"])
            head += b"".join(struct.pack("<I", b) for b in o["blocks"])
            put("records", bytes([mode | 8]) + head + obj)
        if not keyed:
            stream = gzip.decompress(obj)
            put("records", b"\x00" + stream)   # written here, read back
            put("records", b"\x04" + stream)   # zstd
            put("records", b"\x0b" + stream)   # keyed, by the writer's index


def graphql():
    queries = []
    for py in glob.glob(os.path.join(SRC, "tests", "e2e", "*.py")):
        for q in re.findall(r'admin\("((?:[^"\\]|\\.)+)"', open(py).read()):
            q = q.encode().decode("unicode_escape")
            if "{" in q and "%" not in q:
                queries.append(q)
    seed = open(os.path.join(SRC, "tests", "e2e", "seed_backup_mutations.graphql")).read()
    queries += [b.strip() for b in re.split(r"\n\s*\n", seed) if "{" in b][:3]
    queries.append("{ __schema { queryType { name } types { name kind fields { name } } } }")
    queries.append("query Q($id: String!) { task(input: {id: $id}) { status } } "
                   "fragment F on NodeState { instance }")
    for q in sorted(set(queries))[:20]:
        put("graphql", b"\x01" + q.encode())
    put("graphql", b"\x00" + json.dumps(
        {"query": "mutation($in: BackupInput!) { backup(input: $in) { taskId } }",
         "variables": {"in": {"destination": "/tmp/b", "forceFull": True}}}).encode())
    put("graphql", b"\x00" + json.dumps(
        [{"query": "{ health { instance } }"}, {"query": "{ __typename }"}]).encode())
    put("graphql", b"\x04{ health { instance status } }\x00{\"a\": 1}\x00\x00http://localhost:8080")
    put("graphql", b"\x14query Q { __typename }\x00\x00Q\x00https://ui.example.com")
    put("graphql", b"\x0c\x00\x00\x00https://evil.example.com")


def s3():
    put("s3xml", '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult '
        'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>cairn</Name><Prefix>pre/</Prefix>'
        '<KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>'
        '<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>'
        '<Contents><Key>pre/cairn.20261201.093129.545/manifest.json</Key>'
        '<LastModified>2026-12-01T09:31:29.545Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>'
        '<Size>1024</Size><StorageClass>STANDARD</StorageClass></Contents>'
        '<Contents><Key>pre/a&amp;b&#x41;&#66;</Key><Size>7</Size></Contents></ListBucketResult>')
    put("s3xml", "<ListBucketResult><Name>bkt</Name><Contents><Key>x/manifest.json</Key>"
        "<Size>12</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>")
    put("s3xml", '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>stand-in error'
        "</Message></Error>")
    put("s3xml", '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code>'
        "<Message>The specified bucket does not exist</Message><BucketName>cairn</BucketName>"
        "<RequestId>tx0000</RequestId><HostId>abc</HostId></Error>")
    put("s3xml", '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult '
        'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>cairn</Bucket><Key>x</Key>'
        "<UploadId>2~iCw_lDY8VoNMd4ZMBDrmS0vaZ4BhT8L</UploadId></InitiateMultipartUploadResult>")
    put("s3xml", '<CompleteMultipartUploadResult><ETag>"x-1"</ETag></CompleteMultipartUploadResult>')
    put("s3xml", "HTTP/1.1 206 Partial Content\r\nETag: \"9b2c\"\r\nContent-Range: bytes 0-99/1000\r\n"
        "Content-Length: 100\r\n\r\n")


def azure():
    # Azurite's and Azure's List Blobs page, and an error body as
    # tests/e2e/test_storage_azure_faults.py's proxy sends it.
    put("azure_xml", '<?xml version="1.0" encoding="utf-8"?><EnumerationResults '
        'ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="cairn">'
        "<Prefix>pre/</Prefix><MaxResults>2</MaxResults><Blobs><Blob><Name>pre/cairn.20261201."
        "093129.545/manifest.json</Name><Properties><Creation-Time>Tue, 01 Dec 2026 09:31:29 GMT"
        "</Creation-Time><Content-Length>1024</Content-Length><Content-Type>application/octet-stream"
        "</Content-Type><BlobType>BlockBlob</BlobType></Properties></Blob><Blob><Name>pre/a&amp;b"
        "&#x4e2d;&#12354;&lt;</Name><Properties><Content-Length>0</Content-Length></Properties>"
        "</Blob></Blobs><NextMarker>2!84!MDAwMDI5IXByZS9jYWlybi4yMDI2MTIwMS4wOTMxMjkuNTQ1</NextMarker>"
        "</EnumerationResults>")
    put("azure_xml", '<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs/>'
        "<NextMarker/></EnumerationResults>")
    put("azure_xml", '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code>'
        "<Message>busy</Message></Error>")
    put("azure_xml", '\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed'
        "</Code><Message>Server failed to authenticate the request.\nRequestId:1\nTime:2026-12-01"
        "</Message><AuthenticationErrorDetail>sig</AuthenticationErrorDetail></Error>")


def vault():
    ok = vault_standin.envelope(auth={"client_token": "hvs.CAESI", "lease_duration": 3600,
                                      "policies": ["cairn"]})
    put("vault", b"\x00\x00" + json.dumps(ok).encode())
    key = {"key": "ZnV6ei1maXhlZC1hZXMta2V5LTAxMjM0NTY3ODlhYmM="}
    put("vault", b"\x00\x00" + json.dumps(vault_standin.envelope(data=key)).encode())
    put("vault", b"\x00\x01" + json.dumps(vault_standin.envelope(
        data={"key": "0123456789abcdef"})).encode())
    put("vault", b"\x00\x00" + json.dumps(vault_standin.envelope(
        data={"data": key, "metadata": {"version": 1}})).encode())
    put("vault", b"\x07\x00" + json.dumps({"errors": []}).encode())
    put("vault", b"\x08\x00" + json.dumps(vault_standin.envelope(
        warnings=["Invalid path for a versioned K/V secrets engine. See the API docs."])).encode())
    put("vault", b"\x06\x04" + json.dumps({"errors": ["permission denied", "invalid token"]}).encode())
    put("vault", b"\x0a\x02" + json.dumps({"errors": ["Vault is sealed"]}).encode())
    put("vault", b"\x04\x00" + json.dumps(
        {"errors": ["1 error occurred:\n\t* invalid role or secret ID\n\n"]}).encode())


def alter():
    # The bodies tests/e2e/test_alter_mutate_refuse_bad_bodies_before_timestamp.py
    # sends, and the ones the alpha takes.
    src = open(os.path.join(SRC, "tests", "e2e",
                            "test_alter_mutate_refuse_bad_bodies_before_timestamp.py")).read()
    for lit in re.findall(r"\(b'(\{[^']*)'", src):
        put("alter", lit.encode().decode("unicode_escape").encode("latin-1"))
    put("alter", json.dumps({"drop_attr": "city"}))
    put("alter", json.dumps({"drop_all": True}))
    put("alter", json.dumps({"drop_attr": "p" * 255}))


def small_inputs():
    put("group_wire", json.dumps({"destination": "s3://127.0.0.1:7480/cairn/pre", "accessKey": "AKIA",
                                  "secretKey": "cairn-sealed:v1:" + "00" * 40, "anonymous": False,
                                  "dir": "cairn.20261201.093129.545", "full": True,
                                  "compression": "zstd", "since": 0, "read_ts": 12}))
    for u in ["/abs/path", "file:///abs/path", "s3://s3.us-west-2.amazonaws.com/bucket/pre?region=us-west-2",
              "s3:///bucket", "minio://127.0.0.1:9000/bucket?secure=false",
              "azure://account/container/prefix", "gs://bucket/prefix",
              "s3://user:secret@host/b?secret_key=x&access_key=y"]:
        put("uri", u)
    for w in ["127.0.0.1", "10.0.0.0/8,192.168.1.0/24", "::1,fe80::/10", "127.0.0.1:127.0.0.9",
              "0.0.0.0/0", "2001:db8::/32, 10.1.2.3"]:
        put("cidr", w)
    put("ini", "[alpha]\npostings = /var/lib/cairn/p\nport = 8081\ntls = false\n"
        "whitelist = 10.0.0.0/8\nauth_token = s3cr3t-token\n\n[s3]\nca_file = /etc/ssl/ca.pem\n")
    put("ini", "; comment\n[vault]\nvault_addr=https://vault:8200\n[alpha]\ntls=yes\nport=99999999999999999999\n")
    put("ini", "[alpha]\nunknown = 1\n")
    put("committimes", "5:1764581489545,1:12,3:-4")
    put("committimes", "2026-11-30T14:01:00Z")
    put("committimes", "2026-11-30T14:01:00.123+00:00")
    lic = {"version": 1, "user": "Example Corp", "max_nodes": 3,
           "expiry": "2027-12-31T23:59:59Z", "issued": "2026-12-01T00:00:00Z"}
    put("license", b"\x00" + json.dumps(lic, separators=(",", ":")).encode())
    put("license", b"\x01" + json.dumps({"format": "cairn-license-1", "key_id": "0011223344556677",
                                         "payload": "eyJ2ZXJzaW9uIjoxfQ==",
                                         "signature": "A" * 86 + "=="}).encode())
    put("license", b"\x002027-12-31")
    put("member_auth", b"v1 1700000000000 00112233445566778899aabbccddeeff " + b"ab" * 32 +
        b"\x00{\"group\":1}")
    put("member_auth", b"cairn-sealed:v1:" + b"00" * 40)


if __name__ == "__main__":
    clear()
    small_inputs()
    alter()
    s3()
    azure()
    vault()
    graphql()
    backups()
    for d in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, d))
        size = sum(os.path.getsize(os.path.join(CORPUS, d, f)) for f in files)
        print("%-12s %3d files %7d bytes" % (d, len(files), size))
