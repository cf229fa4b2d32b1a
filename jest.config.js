/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking runs once, in `npm test`'s typecheck gate; swc only transpiles, faster than ts-jest.
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // The built-in CloudFormation validation is off unless a file turns it on (test/builtin-validation.ts).
  setupFiles: ['<rootDir>/test/setup-validation-off.js'],
  // Each worker compiles a module once, not once per test file (scripts/jest-runtime.js).
  runtime: '<rootDir>/scripts/jest-runtime.js',
  testTimeout: 60000,
  // Three workers on the two cores of CI: synthesis is CPU-bound, but about a tenth of the suite
  // waits (on deadlines, local servers, the packaging test's child processes), and a third worker
  // fills that time. Measured on 2 vCPUs, npm test: 165-178 s against 186-195 s with two.
  maxWorkers: 3,
};
