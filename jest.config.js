/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking runs once in `npm run typecheck`; transpiling only keeps the suite fast.
    '^.+\\.ts$': 'ts-jest',
  },
  // The built-in CloudFormation validation is off unless a file turns it on (test/builtin-validation.ts).
  setupFiles: ['<rootDir>/test/setup-validation-off.js'],
  testTimeout: 60000,
  // Synthesis is CPU-bound; two workers match the two cores of CI.
  maxWorkers: 2,
};
