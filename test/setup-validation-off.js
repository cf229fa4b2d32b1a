// Runs before each test file; see test/builtin-validation.ts for the files that turn it back on.
process.env.CDK_VALIDATION = 'false';

// No construct records the stack trace of its creation, nor an annotation the trace of where it was
// added: a fifth of the tests' time went to capturing them (and to jest mapping every frame through
// its source maps), and no test reads them. Every App reads this context from the environment.
process.env.CDK_CONTEXT_JSON = JSON.stringify({
  'aws:cdk:disable-creation-stack-traces': true,
  'aws:cdk:disable-stack-trace': true,
});
