// Unit specs live beside the code (src/**/*.spec.ts); integration and e2e specs under test/.
// Integration/e2e specs start their own etcd and Redis processes (test/support), so the suite
// runs in band: two cores, real servers, no shared state between files.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/migrations'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        isolatedModules: true,
        astTransformers: {
          before: [
            {
              path: '@nestjs/swagger/plugin',
              options: { classValidatorShim: true, introspectComments: true },
            },
          ],
        },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
