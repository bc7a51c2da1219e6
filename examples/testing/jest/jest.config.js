// One ddb-local for the whole run (global setup and teardown), every test
// starting from the seeded snapshot (restore.js). Run it in band: the tests
// share the one server and its data.
module.exports = {
  testEnvironment: 'node',
  globalSetup: './ddb-local.setup.js',
  globalTeardown: './ddb-local.teardown.js',
  setupFilesAfterEnv: ['./restore.js'],
  testTimeout: 20000,
};
