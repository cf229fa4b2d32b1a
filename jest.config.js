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
  // Synthesis is CPU-bound; two workers match the two cores of CI.
  maxWorkers: 2,
};
