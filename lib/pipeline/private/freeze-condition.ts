/**
 * The freeze check at a deploy stage's entry: a CodePipeline `Commands` rule that passes while
 * the stage's Change Calendars are OPEN, or while each of its services has an unexpired hotfix
 * override of at most 24 hours, and otherwise fails, printing which calendar froze the release
 * and until when.
 */
import { Annotations, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { freezeOverrideParameterName, MAX_FREEZE_OVERRIDE_HOURS } from '../../../contract/freeze-override';
import { PreflightHook } from '../../hooks/preflight-hook';
import { acknowledgeWildcardResources } from '../../private/acknowledgements';
import { calendarArn } from '../../private/calendar-names';
import { freezeOverrideParameterArn } from '../../private/freeze-override';
import { fitName } from '../../private/text-limits';
import type { ReleaseStageOptions } from '../release-pipeline-props';
import { servicesOf } from './stage-naming';

/** CodePipeline's limits for the commands of a rule: how long each, how many. */
export const MAX_RULE_COMMAND_LENGTH = 1000;
export const MAX_RULE_COMMANDS = 50;
/** The services one stage's freeze rule can check the overrides of: two commands each, after two of its own. */
export const MAX_OVERRIDDEN_SERVICES = (MAX_RULE_COMMANDS - 2) / 2;
/** What a calendar given as a token counts for in that limit: the longest SSM document name. */
const TOKEN_CALENDAR_LENGTH = 128;

/** A shell word in single quotes, which keep every character but the quote itself. */
function quoted(word: string): string {
  return `'${word.replace(/'/g, '\'"\'"\'')}'`;
}

/** The value of a field of the override's JSON, read with sed: the rule's image has no JSON tool it can count on. */
function field(name: string): string {
  return `$(printf '%s' "$J" | sed -nE 's/.*"${name}"[[:space:]]*:[[:space:]]*"([^"]*)".*/\\1/p')`;
}

/**
 * The rule's commands: read the calendars, then, while one is not OPEN, check each service's
 * override. CodePipeline runs them in one shell, as CodeBuild runs a build phase; and whatever a
 * command finds unset (a shell that kept nothing) counts as frozen and not overridden, so the
 * rule can only fail closed. A CLOSED calendar without an override parameter fails the rule.
 */
export function freezeCommands(calendars: readonly string[], overrideParameters: readonly string[]): string[] {
  const shown = calendars.join(', ');
  const read = `R=$(aws ssm get-calendar-state --calendar-names ${calendars.map(quoted).join(' ')} --query '[State,NextTransitionTime]' --output text) `
    + `|| { echo "cannot read the change calendars ${shown}: a freeze may be in force, so the release may not enter"; exit 1; }`;
  const state = 'set -- $R; S=$1; U=${2:-None}; '
    + `F="frozen by the change calendars ${shown} (one is $S) until $U"; echo "change calendars ${shown}: $S (next change: $U)"`;
  if (overrideParameters.length === 0) {
    return [read, state, 'if [ "$S" != OPEN ]; then echo "$F; release once they open"; exit 1; fi'];
  }
  const maxSeconds = MAX_FREEZE_OVERRIDE_HOURS * 3600;
  return [read, state, ...overrideParameters.flatMap((parameter) => [
    `if [ "$S" != OPEN ]; then P=${quoted(parameter)}; `
      + 'V=$(aws ssm get-parameter --name "$P" --query \'Parameter.[LastModifiedDate,Value]\' --output text) '
      + '|| { echo "$F, and no readable freeze override $P; release once they open, or write $P for a hotfix"; exit 1; }; fi',
    'if [ "$S" != OPEN ]; then W=$(printf \'%s\' "$V" | head -n 1 | cut -f1); J=$(printf \'%s\' "$V" | cut -f2-); '
      + `E=${field('expiresAt')}; A=${field('approvedBy')}; `
      + 'N=$(date -u +%s); X=$(date -u -d "$E" +%s 2>/dev/null || echo 0); T=$(date -u -d "$W" +%s 2>/dev/null || echo 0); '
      + `if [ -n "$P" ] && [ -n "$A" ] && [ "$X" -gt "$N" ] && [ $((X - T)) -le ${maxSeconds} ]; then echo "$F; overridden by $P, approved by $A, until $E"; `
      + 'else echo "$F; the freeze override $P is not honoured (expiresAt \'$E\', written $W, approvedBy \'$A\'): it must name approvedBy '
      + `and expire in the future, at most ${MAX_FREEZE_OVERRIDE_HOURS} hours after it is written"; exit 1; fi; fi`,
  ])];
}

/** The length a command will have once its tokens resolve, counting each calendar token as the longest name. */
export function commandLength(calendars: readonly string[], overrideParameters: readonly string[]): number {
  const literal = calendars.map((calendar) => (Token.isUnresolved(calendar) ? 'x'.repeat(TOKEN_CALENDAR_LENGTH) : calendar));
  const parameters = overrideParameters.map((parameter) => (Token.isUnresolved(parameter) ? `/${'x'.repeat(290)}` : parameter));
  return Math.max(...freezeCommands(literal, parameters.length > 0 ? [parameters.reduce((a, b) => (a.length >= b.length ? a : b))] : [])
    .map((command) => command.length));
}

/** Whether a stage's freeze check honours the hotfix override. */
export function stageOverridable(stage: ReleaseStageOptions): boolean {
  return stage.allowFreezeOverride !== false;
}

/**
 * The stage's freeze rule, or undefined without calendars; grants the pipeline's role, which
 * CodePipeline runs a `Commands` rule with, what the commands read and the rule's log group.
 */
export function freezeRule(pipeline: codepipeline.Pipeline, stage: ReleaseStageOptions): codepipeline.Rule | undefined {
  const calendars = stage.changeCalendars ?? [];
  if (calendars.length === 0) {
    return undefined;
  }
  const services = stageOverridable(stage) ? servicesOf(stage) : [];
  const role = pipeline.role;
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ssm:GetCalendarState'],
    resources: calendars.map((calendar) => calendarArn(pipeline, calendar)),
  }));
  if (services.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: services.map((service) => freezeOverrideParameterArn(pipeline, service.serviceName)),
    }));
  }
  grantRuleLogs(pipeline);
  return new codepipeline.Rule({
    name: fitName(`ChangeFreeze-${stage.stageName}`, 100),
    provider: 'Commands',
    version: '1',
    commands: freezeCommands(calendars, services.map((service) => freezeOverrideParameterName(service.serviceName))),
  });
}

/** A `Commands` rule logs to the pipeline's log group, as the `Commands` action does; granted once per pipeline. */
function grantRuleLogs(pipeline: codepipeline.Pipeline): void {
  const id = 'ChangeFreezeRuleLogs';
  if (pipeline.node.tryFindChild(id)) {
    return;
  }
  const logGroupArn = Stack.of(pipeline).formatArn({
    service: 'logs', resource: 'log-group', resourceName: `/aws/codepipeline/${pipeline.pipelineName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  // A policy of its own: the pipeline depends on its role's default policy, which cannot name the pipeline.
  const policy = new iam.Policy(pipeline, id, {
    roles: [pipeline.role],
    statements: [new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroupArn, `${logGroupArn}:*`],
    })],
  });
  acknowledgeWildcardResources(policy, [`${logGroupArn}:*`], 'the log streams of the pipeline\'s own log group, which CodePipeline '
    + 'names per rule run, as the Commands action\'s grant in aws-cdk-lib does.');
}

/**
 * A stage's freeze holds pipeline releases only: warns of each service whose pre-flight hook does
 * not check the stage's calendars (a `cdk deploy` or console release would pass the freeze), and of
 * one that reads an override's version from another variable than the pipeline writes.
 */
export function warnOfUncheckedFreezes(owner: IConstruct, stages: readonly ReleaseStageOptions[], releaseVersionVariable: string): void {
  for (const stage of stages.filter((s) => (s.changeCalendars ?? []).length > 0)) {
    for (const service of servicesOf(stage)) {
      const preflight = service.hooks.find((hook): hook is PreflightHook => hook instanceof PreflightHook);
      const missing = (stage.changeCalendars ?? []).filter((calendar) => !preflight?._freezeCheck.calendars.includes(calendar));
      if (missing.length > 0) {
        Annotations.of(owner).addWarningV2('cdk-ecs-release:changeCalendars',
          `stage '${stage.stageName}': ${service.node.path} ${preflight ? 'has a PreflightHook that does not check' : 'has no PreflightHook to check'} `
          + `the stage's change calendars ${missing.map((c) => (Token.isUnresolved(c) ? '(a deploy-time name)' : c)).join(', ')}, so a release that does not `
          + 'enter the stage (cdk deploy, a redeploy from the console) passes the freeze; give the PreflightHook the same changeCalendars');
      } else if (preflight && preflight._freezeCheck.versionVariable !== releaseVersionVariable) {
        Annotations.of(owner).addWarningV2('cdk-ecs-release:releaseVersionVariable',
          `stage '${stage.stageName}': ${preflight.node.path} reads a freeze override's version from ${preflight._freezeCheck.versionVariable}, but this `
          + `pipeline writes the release version to ${releaseVersionVariable}, so an override that names a version is never honoured; `
          + `set releaseVersionVariable: '${releaseVersionVariable}' on the PreflightHook`);
      }
    }
  }
}
