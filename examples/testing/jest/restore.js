// Before each test: every table back to the seeded snapshot (milliseconds;
// requests wait while it runs, so no test sees half of it).
beforeEach(async () => {
  const res = await fetch(`${process.env.DDB_ENDPOINT}/admin/restore`, {
    method: 'POST', body: JSON.stringify({ name: 'seeded' }),
  });
  if (!res.ok) throw new Error(`restore: HTTP ${res.status} ${await res.text()}`);
});
