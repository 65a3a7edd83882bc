// Unit specs live beside the code (src/**/*.spec.ts); integration (*.int-spec.ts) and e2e
// (*.e2e-spec.ts) specs live under test/ and start their own etcd processes (test/support),
// so the suite runs in band: two cores, real servers, no state shared between files.
module.exports = {
  testEnvironment: 'node',
  // clients/node: the Node SDK's unit specs (src) and its specs against real instances (test);
  // console/tests: the console's browser tests, against a service started in-process.
  roots: [
    '<rootDir>/src',
    '<rootDir>/test',
    '<rootDir>/migrations',
    '<rootDir>/clients/node/src',
    '<rootDir>/clients/node/test',
    '<rootDir>/console/tests',
  ],
  // The SDK's sources import './x.js' (its ESM build needs the extension); ts-jest reads x.ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  // Every spec stops the servers and clients it started; a client library's reconnect or close
  // timer can still outlive the last test by a few seconds. CI must not wait on it.
  forceExit: true,
};
