/**
 * Every test file starts with the built-in CloudFormation validation off (jest.config.js's
 * `setupFiles`): it takes seconds to start in each file that runs it, and most files build many
 * stacks. The files that test the templates against it call this first, at module level.
 */
export function enableBuiltinValidation(): void {
  delete process.env.CDK_VALIDATION;
}
