// What a browser test file needs around the page: ddb-local on a free port
// (-port 0, the port read from its ready line on stdout), Debian's chromium
// through playwright-core (headless, no browser download), a DynamoDB client
// of our own and the AWS CLI v2 (/usr/bin/aws), both in the UI's default
// namespace (access key id "local", region us-east-1), and the admin API.
//
// Environment: DDB_LOCAL (the binary; default ./ddb-local at the repo root),
// DDB_UI_DIR (serve the UI from this folder instead of the embedded files),
// CHROMIUM (default /usr/bin/chromium), AWS_CLI (default /usr/bin/aws).

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.DDB_LOCAL || join(repo, 'ddb-local');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const awsPath = process.env.AWS_CLI || '/usr/bin/aws';
const kStartMs = 10000;
const kStopMs = 5000;
const kRequestMs = 10000;
const kAwsMs = 30000;

export const kAccessKey = 'local';
export const kRegion = 'us-east-1';

// Starts ddb-local (with `extra` flags); resolves to {proc, base} once it listens.
export function startServer(extra = []) {
  const args = ['-inMemory', '-port', '0', ...extra];
  if (process.env.DDB_UI_DIR) args.push('-uiDir', process.env.DDB_UI_DIR);
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    let log = '';
    let out = '';
    const timer = setTimeout(() => reject(new Error(`ddb-local did not start in ${kStartMs} ms: ${log}`)), kStartMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ddb-local exited with ${code}: ${log}`)); });
    proc.stderr.on('data', (chunk) => { log += chunk; });
    // The ready line on stdout: "ddb-local listening on http://HOST:PORT".
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^ddb-local listening on (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({ proc, base: m[1] });
      }
    });
  });
}

export async function stopServer(proc) {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), kStopMs);
  await exited;
  clearTimeout(timer);
}

// Chromium with a fresh profile; resolves to {context, page, close}.
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'ddb-webui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A DynamoDB client of our own: client(base)(op, body) resolves to the
// answer, or throws "<op>: <type>: <message>".
export function client(base) {
  return async (op, body) => {
    const res = await fetch(`${base}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': `DynamoDB_20120810.${op}`,
        'Authorization': `AWS4-HMAC-SHA256 Credential=${kAccessKey}/20250101/${kRegion}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(kRequestMs),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(`${op}: ${data.__type}: ${data.message}`);
    return data;
  };
}

// POST /admin/<path> with `body`; resolves to the JSON answer.
export async function admin(base, path, body) {
  const res = await fetch(`${base}/admin/${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(kRequestMs) });
  const data = await res.json();
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

// The AWS CLI v2, hermetic (no config files, no pager, no proxy), in the
// UI's namespace: aws(base)('dynamodb', 'describe-table', …) resolves to the
// parsed JSON output ({} when there is none), or throws with its stderr.
export function aws(base) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || tmpdir(),
    AWS_ACCESS_KEY_ID: kAccessKey,
    AWS_SECRET_ACCESS_KEY: 'dummy-secret',
    AWS_DEFAULT_REGION: kRegion,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_DEFAULT_OUTPUT: 'json',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    NO_PROXY: '127.0.0.1,localhost',
  };
  return (...args) => new Promise((resolveRun, reject) => {
    execFile(awsPath, [...args, '--endpoint-url', base], { env, timeout: kAwsMs }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`aws ${args.slice(0, 2).join(' ')}: ${error.message}\n${stderr}`));
        return;
      }
      resolveRun(stdout.trim() ? JSON.parse(stdout) : {});
    });
  });
}
