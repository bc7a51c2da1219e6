// Jest global setup: starts ddb-local on a free port with the seed folder,
// waits for its ready line, and takes the snapshot every test restores.
// The binary is $DDB_LOCAL, or `ddb-local` on the PATH.
const { spawn } = require('node:child_process');
const path = require('node:path');

const kStartMs = 10000;

module.exports = async function setup() {
  const binary = process.env.DDB_LOCAL || 'ddb-local';
  const seed = path.join(__dirname, '..', 'seed');
  const proc = spawn(binary, ['-inMemory', '-sharedDb', '-port', '0', '-seed', seed],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (chunk) => { log += chunk; });
  const endpoint = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`ddb-local did not start in ${kStartMs} ms: ${log}`)), kStartMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ddb-local exited with ${code}: ${log}`)); });
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^ddb-local listening on (http:\/\/\S+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  proc.removeAllListeners('exit');
  const res = await fetch(`${endpoint}/admin/snapshot`, { method: 'POST', body: JSON.stringify({ name: 'seeded' }) });
  if (!res.ok) throw new Error(`snapshot: HTTP ${res.status} ${await res.text()}`);
  process.env.DDB_ENDPOINT = endpoint;  // the test workers inherit it
  globalThis.__DDB_LOCAL__ = proc;      // for the teardown
};
