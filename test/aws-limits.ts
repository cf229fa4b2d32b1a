import { Template } from 'aws-cdk-lib/assertions';

/**
 * The length and character limits AWS puts on the names and descriptions the library derives
 * from user input, as the service APIs document them. CloudFormation passes these through, and
 * the service refuses the resource at deploy time; this finds such values in a template.
 */

/** What EC2 accepts in security-group and rule descriptions. */
const EC2_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
/** What IAM accepts in a role's description. */
// eslint-disable-next-line no-control-regex
const IAM_DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
/** CodePipeline's pattern for stage, action and artifact names. */
const PIPELINE_NAME = /^[A-Za-z0-9.@\-_]+$/;
const ARTIFACT_NAME = /^[a-zA-Z0-9_-]+$/;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every value of the template that breaks a limit, as `<logical id> <property>: <why>`. */
export function limitViolations(template: Template): string[] {
  const json: Json = template.toJSON();
  const problems: string[] = [];
  const check = (where: string, value: unknown, max: number, pattern?: RegExp) => {
    if (value === undefined) {
      return;
    }
    if (typeof value !== 'string') {
      problems.push(`${where}: not a literal string: ${JSON.stringify(value).slice(0, 200)}`);
      return;
    }
    if (value.includes('${Token[')) {
      problems.push(`${where}: holds an unresolved token: ${value}`);
    }
    if ([...value].length > max) {
      problems.push(`${where}: ${[...value].length} characters, over ${max}: ${value.slice(0, 80)}...`);
    }
    if (pattern && !pattern.test(value)) {
      problems.push(`${where}: characters outside ${pattern}: ${value}`);
    }
  };
  // Values that may be tokens (Fn::Join of a resolved part and a reference): check the literal parts.
  const literal = (value: unknown): unknown => {
    if (value && typeof value === 'object' && 'Fn::Join' in (value as Json)) {
      const [sep, parts] = (value as Json)['Fn::Join'];
      return (parts as unknown[]).map((p) => (typeof p === 'string' ? p : '')).join(sep);
    }
    return value;
  };

  for (const [id, output] of Object.entries<Json>(json.Outputs ?? {})) {
    if (output.Description !== undefined) {
      check(`${id} Output.Description`, output.Description, 1024);
    }
  }
  for (const [id, resource] of Object.entries<Json>(json.Resources ?? {})) {
    const p = resource.Properties ?? {};
    const at = (prop: string) => `${id} ${prop}`;
    switch (resource.Type) {
      case 'AWS::EC2::SecurityGroup':
        check(at('GroupDescription'), p.GroupDescription, 255, EC2_DESCRIPTION);
        for (const rule of [...(p.SecurityGroupIngress ?? []), ...(p.SecurityGroupEgress ?? [])]) {
          check(at('rule Description'), literal(rule.Description), 255, EC2_DESCRIPTION);
        }
        break;
      case 'AWS::EC2::SecurityGroupIngress':
      case 'AWS::EC2::SecurityGroupEgress':
        check(at('Description'), literal(p.Description), 255, EC2_DESCRIPTION);
        break;
      case 'AWS::Lambda::Function':
        check(at('Description'), p.Description, 256);
        if (p.Environment?.Variables) {
          const size = Object.entries<unknown>(p.Environment.Variables)
            .reduce((sum, [k, v]) => sum + k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 100), 0);
          if (size > 4096) {
            problems.push(`${at('Environment')}: about ${size} bytes, over 4096`);
          }
        }
        break;
      case 'AWS::IAM::Role':
        check(at('Description'), p.Description, 1000, IAM_DESCRIPTION);
        break;
      case 'AWS::IAM::ManagedPolicy':
        check(at('Description'), p.Description, 1000, IAM_DESCRIPTION);
        break;
      case 'AWS::Events::Rule':
        check(at('Description'), p.Description, 512);
        break;
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        check(at('AlarmName'), literal(p.AlarmName), 255);
        check(at('AlarmDescription'), literal(p.AlarmDescription), 1024);
        break;
      case 'AWS::Logs::MetricFilter':
        for (const t of p.MetricTransformations ?? []) {
          check(at('MetricName'), t.MetricName, 255, /^[^:*$]*$/);
        }
        break;
      case 'AWS::SNS::Topic':
        check(at('DisplayName'), p.DisplayName, 100);
        break;
      case 'AWS::SSM::Parameter':
        check(at('Description'), p.Description, 1024);
        if (typeof p.Value === 'string' && Buffer.byteLength(p.Value) > 4096) {
          problems.push(`${at('Value')}: ${Buffer.byteLength(p.Value)} bytes, over 4096`);
        }
        break;
      case 'AWS::CodeBuild::Project':
        check(at('Description'), p.Description, 255);
        break;
      case 'AWS::KMS::Key':
        check(at('Description'), p.Description, 8192);
        break;
      case 'AWS::ECS::TaskDefinition':
        for (const container of p.ContainerDefinitions ?? []) {
          const prefix = container.LogConfiguration?.Options?.['awslogs-stream-prefix'];
          if (prefix !== undefined) {
            // A stream is `<prefix>/<container name>/<32-character task id>`, at most 512 characters.
            check(at('awslogs-stream-prefix'), `${prefix}/${container.Name}/${'0'.repeat(32)}`, 512, /^[^:*]*$/);
          }
        }
        break;
      case 'AWS::CodePipeline::Pipeline':
        for (const stage of p.Stages ?? []) {
          check(at('stage Name'), stage.Name, 100, PIPELINE_NAME);
          for (const action of stage.Actions ?? []) {
            check(at(`action Name in ${stage.Name}`), action.Name, 100, PIPELINE_NAME);
            for (const artifact of [...(action.InputArtifacts ?? []), ...(action.OutputArtifacts ?? [])]) {
              check(at(`artifact Name in ${stage.Name}`), artifact.Name, 100, ARTIFACT_NAME);
            }
            if (action.ActionTypeId?.Category === 'Approval') {
              check(at(`CustomData in ${stage.Name}`), literal(action.Configuration?.CustomData), 500);
            }
          }
        }
        break;
      default:
        break;
    }
  }
  return problems;
}
