// Jest global teardown: stops ddb-local with SIGTERM and checks it exits 0.
module.exports = async function teardown() {
  const proc = globalThis.__DDB_LOCAL__;
  if (!proc || proc.exitCode !== null) return;
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    proc.once('exit', (c) => { clearTimeout(timer); resolve(c); });
    proc.kill('SIGTERM');
  });
  if (code !== 0) throw new Error(`ddb-local exited with ${code}`);
};
