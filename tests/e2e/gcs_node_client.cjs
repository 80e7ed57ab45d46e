// Google's own Cloud Storage client (@google-cloud/storage) against the GCS
// stand-in: usage: node gcs_node_client.cjs ENDPOINT KEYFILE BUCKET
// Prints one JSON object of what it saw; the Python test judges it.
//
// The client signs its own JWT (google-auth-library + gtoken) with the
// service-account key. gtoken posts it to Google's fixed token URL, so a
// request interceptor on the auth client's transport sends that one request
// to the stand-in instead: the assertion, its signature and its claims are
// the library's own.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const {Storage} = require('@google-cloud/storage');
const {JWT} = require('google-auth-library');
// File#save's resumable path (startResumableUpload_) does not hand
// useAuthWithCustomEndpoint on to the upload, so against any endpoint but
// Google's it uploads without a token; the library's own resumable-upload
// module (what File#save runs) is driven directly, with the flag.
const resumable = require(require('path').join(
    require('path').dirname(require.resolve('@google-cloud/storage')), 'resumable-upload.js'));

const [endpoint, keyFile, bucketName] = process.argv.slice(2);
const key = JSON.parse(fs.readFileSync(keyFile, 'utf8'));

function bytes(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function main() {
  const out = {tokenRequests: 0};
  const auth = new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: ['https://www.googleapis.com/auth/devstorage.read_write'],
  });
  (auth.gaxios || auth.transporter.instance || auth.transporter).interceptors.request.add({
    resolved: async (cfg) => {
      const u = String(cfg.url);
      if (u.startsWith('https://www.googleapis.com/oauth2/') || u.startsWith('https://oauth2.googleapis.com/')) {
        cfg.url = endpoint + new URL(u).pathname;
        out.tokenRequests++;
      }
      return cfg;
    },
  });
  const storage = new Storage({
    apiEndpoint: endpoint,
    projectId: key.project_id,
    authClient: auth,
    useAuthWithCustomEndpoint: true,
    retryOptions: {maxRetries: 1},
  });
  const bucket = storage.bucket(bucketName);

  // A simple (multipart) upload, and resumable ones: in 256 KiB chunks, and
  // as one streamed request; md5 and crc32c are checked by the client.
  const small = bytes(70001, 1);
  await bucket.file('node/simple.bin').save(small, {resumable: false});
  const upload = (name, data, chunkSize) => new Promise((resolve, reject) => {
    const up = resumable.upload({
      authClient: storage.authClient, apiEndpoint: endpoint, bucket: bucketName, file: name,
      useAuthWithCustomEndpoint: true, chunkSize, metadata: {contentType: 'application/octet-stream'},
      retryOptions: {...storage.retryOptions},
    });
    let meta = null;
    up.on('metadata', (m) => { meta = m; });
    up.on('error', reject);
    up.on('finish', () => resolve(meta));
    up.end(data);
  });
  const big = bytes(3 * 262144 + 12345, 2);
  out.chunkedMeta = await upload('node/chunked.bin', big, 262144);
  const streamed = bytes(600000, 3);
  out.streamedMeta = await upload('node/streamed.bin', streamed, undefined);

  // Enough objects for the stand-in's 100-a-page listing to need pageToken.
  const names = [];
  for (let i = 0; i < 230; i++) names.push(`node/many/o${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 23) {
    await Promise.all(names.slice(i, i + 23).map((n, k) => bucket.file(n).save(Buffer.from(`object ${i + k}\n`), {resumable: false})));
  }
  const [listed] = await bucket.getFiles({prefix: 'node/many/'});
  out.listed = listed.map((f) => f.name).sort();
  out.listedSizes = listed.map((f) => Number(f.metadata.size));
  const [all] = await bucket.getFiles({prefix: 'node/'});
  out.listedAll = all.length;
  // One page by hand: its nextPageToken, then the next page.
  const [page1, next] = await bucket.getFiles({prefix: 'node/many/', autoPaginate: false, maxResults: 50});
  out.page1 = page1.length;
  out.page2First = null;
  if (next && next.pageToken) {
    const [page2] = await bucket.getFiles({prefix: 'node/many/', autoPaginate: false, maxResults: 50, pageToken: next.pageToken});
    out.page2First = page2.length ? page2[0].name : null;
  }

  // Metadata, whole and ranged downloads (the client sends Range: bytes=a-b).
  const [meta] = await bucket.file('node/chunked.bin').getMetadata();
  out.metaSize = Number(meta.size);
  const [whole] = await bucket.file('node/chunked.bin').download();
  out.wholeOk = sha(whole) === sha(big);
  const [r1] = await bucket.file('node/chunked.bin').download({start: 262140, end: 262150});
  out.rangeOk = Buffer.compare(r1, big.subarray(262140, 262151)) === 0;
  const [r2] = await bucket.file('node/streamed.bin').download({start: 599990});
  out.tailOk = Buffer.compare(r2, streamed.subarray(599990)) === 0;
  const [s1] = await bucket.file('node/simple.bin').download();
  out.simpleOk = Buffer.compare(s1, small) === 0;
  const [s2] = await bucket.file('node/streamed.bin').download();
  out.streamedOk = Buffer.compare(s2, streamed) === 0;

  // Delete; a missing object is a 404 the client reports as such.
  await bucket.file('node/simple.bin').delete();
  const [exists] = await bucket.file('node/simple.bin').exists();
  out.existsAfterDelete = exists;
  try {
    await bucket.file('node/nothing').download();
    out.missingCode = 0;
  } catch (e) {
    out.missingCode = e.code;
  }
  try {
    await storage.bucket('no-such-bucket').file('x').save(Buffer.from('x'), {resumable: false});
    out.noBucketCode = 0;
  } catch (e) {
    out.noBucketCode = e.code;
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error('node client failed:', e && e.stack ? e.stack : e);
  process.exit(1);
});
