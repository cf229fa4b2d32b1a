/**
 * The commands of a stage that releases an Amazon ECS-engine service by updating its stack: the
 * stack's deployed template, unchanged, with the release's image and version as parameter values.
 * Pure: what it needs at build time comes from environment variables.
 */

/** Environment variables the stack update reads. */
export const STACK_UPDATE_ENV = {
  /** The stack holding the service. */
  stackName: 'RELEASE_STACK_NAME',
  /** The logical id of the stack parameter that takes the image. */
  imageParameter: 'RELEASE_IMAGE_PARAMETER',
  /** The logical id of the stack parameter that takes the release version. */
  versionParameter: 'RELEASE_VERSION_PARAMETER',
  /** The role CloudFormation updates the stack with: the bootstrap's execution role. */
  executionRole: 'RELEASE_CFN_EXECUTION_ROLE',
  /** The image to release, by digest (the build's `IMAGE_URI`). */
  image: 'RELEASE_IMAGE',
  /** The release version (the build's `IMAGE_TAG`). */
  version: 'RELEASE_VERSION_VALUE',
} as const;

/** How many status reads in a row may fail (after the AWS CLI's own retries) before the stage gives up. */
export const MAX_STATUS_READ_FAILURES = 10;

/** Seconds between two reads of the stack's status. */
export const POLL_SECONDS = 30;

/**
 * The stack update as one bash command: it fails when the update fails or rolls back (on Amazon
 * ECS, when the deployment rolls back), printing the failed resources' reasons, and succeeds
 * when the stack already runs the release.
 */
export function renderStackUpdateCommand(): string {
  const { stackName, imageParameter, versionParameter, executionRole, image, version } = STACK_UPDATE_ENV;
  const stack = `--stack-name "$${stackName}"`;
  // Node reads the stack's parameters: the two of the release get their values, every other keeps
  // the value it has (a user's own, the bootstrap version).
  const writeParameters = [
    'const fs = require("fs");',
    'const env = process.env;',
    'const stack = JSON.parse(fs.readFileSync(0, "utf8")).Stacks[0];',
    'const keys = (stack.Parameters || []).map((p) => p.ParameterKey);',
    `const missing = [env.${imageParameter}, env.${versionParameter}].filter((key) => !keys.includes(key));`,
    'if (missing.length > 0) {',
    `  console.error("Stack " + env.${stackName} + " has no parameter " + missing.join(" or ") + ": its deployed template predates this `
      + 'release stage. Deploy the stack once with cdk deploy, then release again.");',
    '  process.exit(1);',
    '}',
    'const value = (key) => key === env.' + imageParameter + ' ? env.' + image + ' : env.' + version + ';',
    'const parameters = keys.map((key) => [env.' + imageParameter + ', env.' + versionParameter + '].includes(key)',
    '  ? { ParameterKey: key, ParameterValue: value(key) } : { ParameterKey: key, UsePreviousValue: true });',
    'fs.writeFileSync(process.argv[1], JSON.stringify(parameters));',
  ].join('\n');
  const failedEvents = `aws cloudformation describe-stack-events ${stack} --max-items 100 `
    + '--query "StackEvents[?ClientRequestToken==\'$token\' && contains(ResourceStatus, \'FAILED\')].[Timestamp,LogicalResourceId,ResourceStatus,ResourceStatusReason]" '
    + '--output text';
  return [
    'set -euo pipefail',
    `: "\${${image}:?the build exported no image}" "\${${version}:?the build exported no release version}"`,
    // Marks this update's events, so that only its failures are printed.
    'token="release-$(printf \'%s\' "$CODEBUILD_BUILD_ID" | tr -c \'A-Za-z0-9-\' \'-\' | cut -c1-100)"',
    'parameters="$(mktemp)"',
    `aws cloudformation describe-stacks ${stack} --output json | node -e '${writeParameters}' "$parameters"`,
    `echo "Releasing $${image} (version $${version}) to stack $${stackName}: its deployed template, with $${imageParameter} and $${versionParameter} set"`,
    'errors="$(mktemp)"',
    `if ! aws cloudformation update-stack ${stack} --use-previous-template --parameters "file://$parameters" `
      + `--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND --role-arn "$${executionRole}" `
      + '--client-request-token "$token" > /dev/null 2> "$errors"; then',
    '  if grep -q "No updates are to be performed" "$errors"; then',
    `    echo "Stack $${stackName} already runs $${image}: nothing to release"`,
    '    exit 0',
    '  fi',
    '  cat "$errors" >&2',
    `  echo "CloudFormation refused the update of $${stackName}; when another update is in progress, release again once it ends" >&2`,
    '  exit 1',
    'fi',
    'last=""',
    'failures=0',
    'while true; do',
    `  if ! status="$(aws cloudformation describe-stacks ${stack} --query "Stacks[0].StackStatus" --output text)"; then`,
    '    failures=$((failures + 1))',
    `    if [ "$failures" -ge ${MAX_STATUS_READ_FAILURES} ]; then`,
    `      echo "Could not read the status of $${stackName} ${MAX_STATUS_READ_FAILURES} times in a row; the update goes on, see the CloudFormation console" >&2`,
    '      exit 1',
    '    fi',
    `    sleep "\${POLL_SECONDS:-${POLL_SECONDS}}"`,
    '    continue',
    '  fi',
    '  failures=0',
    '  if [ "$status" != "$last" ]; then',
    `    echo "$(date -u +%H:%M:%S) $${stackName}: $status"`,
    '    last="$status"',
    '  fi',
    '  case "$status" in',
    `    UPDATE_COMPLETE) echo "Released $${image} to $${stackName}"; exit 0 ;;`,
    `    *_IN_PROGRESS) sleep "\${POLL_SECONDS:-${POLL_SECONDS}}" ;;`,
    '    *)',
    `      echo "The release failed: stack $${stackName} is $status. What failed:" >&2`,
    `      ${failedEvents} >&2 || true`,
    '      exit 1 ;;',
    '  esac',
    'done',
  ].join('\n');
}
