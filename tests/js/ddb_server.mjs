// Starts and stops a ddb-local for the JavaScript SDK tests: -inMemory on a
// free port (-port 0; the port is read from the "listening on" line, then
// GET / is polled), stopped with SIGTERM. Bounded waits throughout.
//
// Environment: DDB_LOCAL (the binary; default ./ddb-local at the repo root).

import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.DDB_LOCAL || join(repo, 'ddb-local');
const kStartMs = 10000;  // until the "listening on" line
const kReadyMs = 10000;  // until GET / answers 200
const kStopMs = 10000;   // from SIGTERM to exit

// Resolves to { proc, base, stderr() }.
export function startServer(args = []) {
  const proc = spawn(binary, ['-inMemory', '-port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (chunk) => { log += chunk; });
  const listening = new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`ddb-local did not start in ${kStartMs} ms: ${log}`)), kStartMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ddb-local exited with ${code}: ${log}`)); });
    proc.stderr.on('data', () => {
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(log);
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
