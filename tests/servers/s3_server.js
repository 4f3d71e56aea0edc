'use strict';
/*
 * s3_server.js: an S3 server for stepkit's tests, over @20minutes/s3rver
 * 4.0.4 (the fork that verifies SigV4 signatures; plain s3rver does not).
 * Install once with tests/servers/install, then:
 *
 *   node s3_server.js --dir DIR [--port PORT] [--port-file FILE]
 *       [--bucket NAME]... [--access KEY_ID --secret SECRET]
 *       [--service-endpoint HOST] [--fail-first N] [--fail-status 503]
 *       [--fail-code SlowDown] [--tls-cert CERT --tls-key KEY] [--token TOKEN]
 *
 * Objects land in DIR/data/<bucket>/<key>._S3rver_object (byte-identical),
 * one JSON line per request in DIR/requests.jsonl ({"method", "url",
 * "headers", "status", "injected"}). Port 0 (the default) lets the kernel
 * choose; the port is written to --port-file (default DIR/port) and
 * "READY <port>" is printed once it listens. Stop it with SIGTERM to its pid.
 *
 * --access/--secret (default etl-access/etl-secret) replace s3rver's built-in
 * S3RVER/S3RVER pair: requests signed with another secret get 403
 * SignatureDoesNotMatch, another key id 403 InvalidAccessKeyId.
 * Path-style requests go to http://127.0.0.1:PORT/BUCKET/KEY; virtual-hosted
 * ones to http://BUCKET.s3.SERVICE_ENDPOINT:PORT/KEY (default endpoint
 * "localhost": curl resolves *.localhost to the loopback by itself).
 * --fail-first N answers the first N requests other than GET/HEAD with
 * --fail-status (503) and an S3 error document of code --fail-code
 * (SlowDown for 503, InternalError otherwise), as S3 does under load.
 * --token TOKEN (temporary credentials) makes every request without that
 * x-amz-security-token, or without it among the signed headers, get 403
 * InvalidToken (s3rver itself ignores the header).
 *
 * Two things are fixed in the fork when it is loaded (see patchModule):
 * SigV4 of virtual-hosted requests, and AbortMultipartUpload (DELETE
 * ?uploadId=X), which it lacks.
 */
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');

// Load one of the fork's modules with some of its lines replaced, before
// s3rver requires it; refuse to start if a line is not there (another
// version of the package).
function patchModule(rel, edits) {
  const Module = require('module');
  const file = require.resolve(`@20minutes/s3rver/lib/${rel}`);
  let src = fs.readFileSync(file, 'utf8');
  for (const [from, to] of edits) {
    if (!src.includes(from)) throw new Error(`cannot patch ${file}: not @20minutes/s3rver 4.0.4?`);
    src = src.replace(from, to);
  }
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(src, file);
  m.loaded = true;
  require.cache[file] = m;
}

// 1. The fork builds the SigV4 canonical URI of a virtual-hosted request
// with the bucket in front (a SigV2 habit), so every correctly signed
// virtual-hosted request would fail with SignatureDoesNotMatch.
const vhostFrom = "canonicalizedResource = '/' + ctx.params.bucket + canonicalizedResource;";
patchModule('middleware/authentication', [
  [vhostFrom, "if (!/^AWS4-/.test(ctx.get('Authorization') || '') && !ctx.query['X-Amz-Algorithm']) {" + vhostFrom + '}'],
]);

// 2. The fork has no AbortMultipartUpload (DELETE /bucket/key?uploadId=X:
// 405 MethodNotAllowed), so a client could not clean up its parts. Remove
// the upload's directory (._S3rver_uploads/ID): 204, or 404 NoSuchUpload.
async function abortMultipartUpload(ctx) {
  const S3Error = require('@20minutes/s3rver/lib/models/error');
  const id = ctx.query.uploadId;
  const dir = path.join(ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads'), String(id));
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id === '.' || id === '..' || !fs.existsSync(dir)) {
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: id });
  }
  await fs.promises.rm(dir, { recursive: true, force: true });
  ctx.status = 204;
}
global.__stepkitAbortMultipartUpload = abortMultipartUpload;
patchModule('routes', [
  [
    "        return objectCtrl.deleteObject(ctx);\n      case 'tagging':",
    "        return objectCtrl.deleteObject(ctx);\n      case 'uploadId':\n" +
      "        return global.__stepkitAbortMultipartUpload(ctx);\n      case 'tagging':",
  ],
]);

const S3rver = require('@20minutes/s3rver');
const AWSAccount = require('@20minutes/s3rver/lib/models/account');

function parseArgs(argv) {
  const o = {
    dir: null,
    port: 0,
    portFile: null,
    buckets: [],
    access: 'etl-access',
    secret: 'etl-secret',
    serviceEndpoint: 'localhost',
    failFirst: 0,
    failStatus: 503,
    failCode: null,
    tlsCert: null,
    tlsKey: null,
    token: null,
  };
  const need = (i) => {
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i += 2) {
    const a = argv[i];
    const v = need(i);
    switch (a) {
      case '--dir': o.dir = v; break;
      case '--port': o.port = Number(v); break;
      case '--port-file': o.portFile = v; break;
      case '--bucket': o.buckets.push(v); break;
      case '--access': o.access = v; break;
      case '--secret': o.secret = v; break;
      case '--service-endpoint': o.serviceEndpoint = v; break;
      case '--fail-first': o.failFirst = Number(v); break;
      case '--fail-status': o.failStatus = Number(v); break;
      case '--fail-code': o.failCode = v; break;
      case '--tls-cert': o.tlsCert = v; break;
      case '--tls-key': o.tlsKey = v; break;
      case '--token': o.token = v; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!o.dir) throw new Error('--dir is required');
  if (!Number.isInteger(o.port) || o.port < 0) throw new Error('bad --port');
  if (!o.failCode) o.failCode = o.failStatus === 503 ? 'SlowDown' : 'InternalError';
  return o;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`s3_server.js: ${e.message}\n`);
    process.exit(2);
  }
  fs.mkdirSync(path.join(o.dir, 'data'), { recursive: true });

  // Replace the hard-coded S3RVER/S3RVER key pair by ours.
  AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(o.access, o.secret);

  const s3 = new S3rver({
    silent: true,
    directory: path.join(o.dir, 'data'),
    serviceEndpoint: o.serviceEndpoint,
    allowMismatchedSignatures: false,
    configureBuckets: o.buckets.map((name) => ({ name })),
  });
  await s3.configureBuckets();
  const app = s3.callback();
  const logPath = path.join(o.dir, 'requests.jsonl');
  let writes = 0;

  // Our own server around s3rver's handler, so that faults can be injected
  // before s3rver sees the request and every request is logged.
  const handler = (req, res) => {
    const rec = { method: req.method, url: req.url, headers: req.headers, time: Date.now() / 1000 };
    res.on('finish', () => {
      rec.status = res.statusCode;
      fs.appendFileSync(logPath, JSON.stringify(rec) + '\n');
    });
    const signed = /SignedHeaders=[^,]*\bx-amz-security-token\b/.test(req.headers.authorization || '');
    if (o.token && (req.headers['x-amz-security-token'] !== o.token || !signed)) {
      rec.bad_token = true;
      req.resume();
      req.on('end', () => {
        const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidToken</Code>' +
          '<Message>The provided token is malformed or otherwise invalid.</Message></Error>';
        res.writeHead(403, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      writes += 1;
      if (writes <= o.failFirst) {
        rec.injected = true;
        req.resume(); // drain the body, then answer
        req.on('end', () => {
          const body =
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + o.failCode +
            '</Code><Message>injected failure ' + writes + '</Message></Error>';
          res.writeHead(o.failStatus, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
          res.end(body);
        });
        return;
      }
    }
    app(req, res);
  };
  const server = o.tlsCert
    ? https.createServer({ cert: fs.readFileSync(o.tlsCert), key: fs.readFileSync(o.tlsKey) }, handler)
    : http.createServer(handler);
  server.listen(o.port, '127.0.0.1', () => {
    const port = server.address().port;
    const pf = o.portFile || path.join(o.dir, 'port');
    fs.writeFileSync(pf + '.tmp', `${port}\n`);
    fs.renameSync(pf + '.tmp', pf);
    process.stdout.write(`READY ${port}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`s3_server.js: ${e.stack || e}\n`);
  process.exit(1);
});
