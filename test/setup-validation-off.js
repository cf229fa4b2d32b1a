// Runs before each test file; see test/builtin-validation.ts for the files that turn it back on.
process.env.CDK_VALIDATION = 'false';
