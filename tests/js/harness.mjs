// What the JavaScript SDK v3 tests share: a ddb-local server on a free port
// (-port 0; the port is read from the ready line on stdout, then GET / is
// polled), stopped with SIGTERM; clients whose every response has its
// x-amz-crc32 checked (the SDK v3 does not check it by itself, v2 did); and
// value helpers.
//
// Environment: DDB_LOCAL (the binary; default ./ddb-local at the repo root).

import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.DDB_LOCAL || join(repo, 'ddb-local');
const kStartMs = 10000;      // until the "listening on" line
const kReadyMs = 10000;      // until GET / answers 200
const kStopMs = 10000;       // from SIGTERM to exit
const kRequestMs = 10000;    // any one request

// Responses checked, and those whose x-amz-crc32 was wrong.
export const crc = { checked: 0, mismatches: [] };

// ------------------------------------------------------------------ server

// Resolves to { proc, base, stderr() }; `args` are added to the command line.
export function startServer(args = []) {
  const proc = spawn(binary, ['-inMemory', '-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let out = '';
  proc.stderr.on('data', (chunk) => { log += chunk; });
  const listening = new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`ddb-local did not start in ${kStartMs} ms: ${log}`)), kStartMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ddb-local exited with ${code}: ${log}`)); });
    // The ready line on stdout: "ddb-local listening on http://HOST:PORT".
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^ddb-local listening on (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart(m[1]);
      }
    });
  });
  return listening.then(async (base) => {
    await waitReady(base);
    return { proc, base, stderr: () => log };
  });
}

// Polls GET / until it answers 200; bounded by kReadyMs.
async function waitReady(base) {
  const deadline = Date.now() + kReadyMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`ddb-local not ready within ${kReadyMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// SIGTERM; resolves to the exit code (null: killed after kStopMs).
export function stopServer(proc) {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), kStopMs);
    proc.once('exit', (code) => { clearTimeout(timer); resolveStop(code); });
    proc.kill('SIGTERM');
  });
}

// ------------------------------------------------------------------ clients

// CRC-32 (IEEE), as DynamoDB computes x-amz-crc32 over the response body.
const kCrcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = kCrcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Inside the SDK's deserializer: reads the raw body, checks x-amz-crc32 and
// hands the same bytes on to the SDK.
function crc32Middleware(next) {
  return async (args) => {
    const result = await next(args);
    const res = result.response;
    const chunks = [];
    for await (const chunk of res.body) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const header = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'x-amz-crc32');
    const want = crc32(body);
    if (!header || Number(header[1]) !== want) {
      crc.mismatches.push({ header: header && header[1], want, body: body.toString('utf8', 0, 200) });
    }
    crc.checked++;
    res.body = body;
    return result;
  };
}

export function makeClients(base) {
  const client = new DynamoDBClient({
    endpoint: base,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDJSSDKTEST', secretAccessKey: 'dummy-secret-key' },
    maxAttempts: 1,  // an error must come from the server, not be retried away
    requestHandler: { requestTimeout: kRequestMs, connectionTimeout: kRequestMs },
  });
  client.middlewareStack.add(crc32Middleware, { step: 'deserialize', name: 'ddbLocalCrc32', priority: 'low' });
  const docClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: false },
    unmarshallOptions: { wrapNumbers: true },  // numbers as NumberValue: every digit kept
  });
  return { client, docClient };
}

// Sets compare as sets: sort their members.
export function norm(av) {
  if (Array.isArray(av)) return av.map(norm);
  if (av === null || typeof av !== 'object') return av;
  const out = {};
  for (const [k, v] of Object.entries(av)) {
    if ((k === 'SS' || k === 'NS') && Array.isArray(v)) out[k] = [...v].sort();
    else out[k] = norm(v);
  }
  return out;
}
