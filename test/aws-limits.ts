import { Token } from 'aws-cdk-lib';

/*
 * The AWS limits a synthesized template must respect, which neither CloudFormation's schema nor
 * aws-cdk-lib checks at synthesis: a template that breaks one fails at deploy time. Values that
 * are intrinsics (resolved at deploy time) are measured by their literal parts only, so a
 * reported violation is a real one.
 */

type Json = unknown;
type Resource = { Type: string; Properties?: Record<string, Json> };
type Template = { Resources?: Record<string, Resource>; Outputs?: Record<string, { Description?: Json }> };

/** EC2's charset for security group and rule descriptions. */
const EC2_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
/** IAM's pattern for role descriptions. */
// eslint-disable-next-line no-control-regex -- IAM's own pattern names tab, line feed and carriage return.
const IAM_DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const PIPELINE_NAME = /^[A-Za-z0-9.@\-_]+$/;
const ARTIFACT_NAME = /^[a-zA-Z0-9_-]+$/;
const CONTAINER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const LAMBDA_ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])*$/;
/** Metric filters refuse ':', '*' and '$' in a metric name, and a log stream name holds no ':' or '*'. */
const METRIC_NAME = /^[^:*$]*$/;
const LOG_STREAM_NAME = /^[^:*]*$/;
/** awslogs stream names are `<prefix>/<container name>/<task id>`, the task id 32 characters. */
const TASK_ID_LENGTH = 32;

/** The text of a value with intrinsics left out: what is certain to be in the deployed value. */
export function literalText(value: Json): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, Json[]] })['Fn::Join'];
    return parts.map(literalText).join(separator);
  }
  if (value && typeof value === 'object' && 'Fn::Sub' in value) {
    const sub = (value as { 'Fn::Sub': Json })['Fn::Sub'];
    return (Array.isArray(sub) ? String(sub[0]) : String(sub)).replace(/\$\{[^}]*\}/g, '');
  }
  return '';
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Every violation of the limits in `template`, each naming the resource, the property and the value. */
export function awsLimitViolations(template: Template): string[] {
  const violations: string[] = [];
  const report = (where: string, what: string, value: Json) => {
    const shown = typeof value === 'string' && value.length > 120 ? `${JSON.stringify(value.slice(0, 120))}… (${value.length} chars)` : JSON.stringify(value);
    violations.push(`${where}: ${what}, got ${shown}`);
  };
  const maxLength = (where: string, value: Json, max: number) => {
    if (value !== undefined && literalText(value).length > max) {
      report(where, `longer than ${max} characters`, literalText(value));
    }
  };
  const charset = (where: string, value: Json, pattern: RegExp, name: string) => {
    if (value !== undefined && !pattern.test(literalText(value))) {
      report(where, `outside ${name}'s charset ${pattern}`, literalText(value));
    }
  };

  leakedTokens(template, '', violations);

  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const p = resource.Properties ?? {};
    const at = (prop: string) => `${id} (${resource.Type}) ${prop}`;
    switch (resource.Type) {
      case 'AWS::EC2::SecurityGroup':
        maxLength(at('GroupDescription'), p.GroupDescription, 255);
        charset(at('GroupDescription'), p.GroupDescription, EC2_DESCRIPTION, 'EC2');
        for (const key of ['SecurityGroupIngress', 'SecurityGroupEgress']) {
          ((p[key] ?? []) as Record<string, Json>[]).forEach((rule, i) => {
            maxLength(at(`${key}[${i}].Description`), rule.Description, 255);
            charset(at(`${key}[${i}].Description`), rule.Description, EC2_DESCRIPTION, 'EC2');
          });
        }
        break;
      case 'AWS::EC2::SecurityGroupIngress':
      case 'AWS::EC2::SecurityGroupEgress':
        maxLength(at('Description'), p.Description, 255);
        charset(at('Description'), p.Description, EC2_DESCRIPTION, 'EC2');
        break;
      case 'AWS::Lambda::Function': {
        maxLength(at('Description'), p.Description, 256);
        const variables = ((p.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {});
        const size = Object.entries(variables).reduce((total, [k, v]) => total + utf8Length(k) + utf8Length(literalText(v)), 0);
        if (size > 4096) {
          report(at('Environment'), `variables total ${size} bytes, more than Lambda's 4 KB`, Object.keys(variables));
        }
        for (const key of Object.keys(variables)) {
          charset(at(`Environment key ${key}`), key, LAMBDA_ENV_KEY, 'Lambda environment key');
        }
        break;
      }
      case 'AWS::IAM::Role':
      case 'AWS::IAM::ManagedPolicy':
        maxLength(at('Description'), p.Description, 1000);
        charset(at('Description'), p.Description, IAM_DESCRIPTION, 'IAM');
        break;
      case 'AWS::SNS::Topic':
        maxLength(at('DisplayName'), p.DisplayName, 100);
        break;
      case 'AWS::CodeBuild::Project':
        maxLength(at('Description'), p.Description, 255);
        break;
      case 'AWS::KMS::Key':
        maxLength(at('Description'), p.Description, 8192);
        break;
      case 'AWS::Events::Rule':
        maxLength(at('Description'), p.Description, 512);
        break;
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        maxLength(at('AlarmName'), p.AlarmName, 255);
        maxLength(at('AlarmDescription'), p.AlarmDescription, 1024);
        break;
      case 'AWS::Logs::MetricFilter':
        ((p.MetricTransformations ?? []) as Record<string, Json>[]).forEach((t, i) => {
          maxLength(at(`MetricTransformations[${i}].MetricName`), t.MetricName, 255);
          charset(at(`MetricTransformations[${i}].MetricName`), t.MetricName, METRIC_NAME, 'CloudWatch Logs metric name');
          maxLength(at(`MetricTransformations[${i}].MetricNamespace`), t.MetricNamespace, 255);
        });
        break;
      case 'AWS::ECS::TaskDefinition':
        ((p.ContainerDefinitions ?? []) as Record<string, Json>[]).forEach((container, i) => {
          const name = literalText(container.Name);
          if (typeof container.Name === 'string') {
            charset(at(`ContainerDefinitions[${i}].Name`), container.Name, CONTAINER_NAME, 'ECS container name');
          }
          const log = container.LogConfiguration as { LogDriver?: string; Options?: Record<string, Json> } | undefined;
          const prefix = log?.LogDriver === 'awslogs' ? log.Options?.['awslogs-stream-prefix'] : undefined;
          if (prefix !== undefined) {
            const length = literalText(prefix).length + 1 + name.length + 1 + TASK_ID_LENGTH;
            charset(at(`ContainerDefinitions[${i}] awslogs-stream-prefix`), prefix, LOG_STREAM_NAME, 'CloudWatch Logs stream name');
            if (length > 512) {
              report(at(`ContainerDefinitions[${i}] awslogs-stream-prefix`), `makes log stream names of ${length} characters, more than 512`, literalText(prefix));
            }
          }
        });
        break;
      case 'AWS::CodePipeline::Pipeline':
        pipelineViolations(p, at, report);
        break;
      case 'AWS::SSM::Parameter': {
        maxLength(at('Description'), p.Description, 1024);
        const max = p.Tier === 'Advanced' ? 8192 : 4096;
        const size = utf8Length(literalText(p.Value));
        if (size > max) {
          report(at('Value'), `${size} bytes, more than the ${p.Tier ?? 'Standard'} tier's ${max}`, `${literalText(p.Value).slice(0, 80)}…`);
        }
        break;
      }
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        ((p.TargetGroupAttributes ?? []) as { Key: string; Value: Json }[]).forEach((attribute) => {
          if (attribute.Key === 'deregistration_delay.timeout_seconds') {
            const value = attribute.Value;
            if (typeof value === 'string' ? !/^\d+$/.test(value) || Number(value) > 3600 : typeof value !== 'object') {
              report(at('TargetGroupAttributes deregistration_delay.timeout_seconds'), 'not a string of whole seconds from 0 to 3600', value);
            }
          }
        });
        break;
      default:
        break;
    }
  }

  for (const [id, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Description !== undefined) {
      if (typeof output.Description !== 'string') {
        report(`Output ${id} Description`, 'not a literal string', output.Description);
      } else {
        maxLength(`Output ${id} Description`, output.Description, 1024);
      }
    }
  }
  return violations;
}

function pipelineViolations(p: Record<string, Json>, at: (prop: string) => string, report: (where: string, what: string, value: Json) => void): void {
  const name = (where: string, value: Json, pattern: RegExp) => {
    if (typeof value !== 'string' || !pattern.test(value) || value.length > 100) {
      report(where, `not a name of at most 100 characters matching ${pattern}`, value);
    }
  };
  ((p.Stages ?? []) as Record<string, Json>[]).forEach((stage, s) => {
    name(at(`Stages[${s}].Name`), stage.Name, PIPELINE_NAME);
    ((stage.Actions ?? []) as Record<string, Json>[]).forEach((action, a) => {
      const where = `Stages[${s}].Actions[${a}]`;
      name(at(`${where}.Name`), action.Name, PIPELINE_NAME);
      for (const key of ['InputArtifacts', 'OutputArtifacts']) {
        ((action[key] ?? []) as { Name: Json }[]).forEach((artifact, i) => name(at(`${where}.${key}[${i}]`), artifact.Name, ARTIFACT_NAME));
      }
      const type = action.ActionTypeId as { Category?: string } | undefined;
      const customData = (action.Configuration as Record<string, Json> | undefined)?.CustomData;
      if (type?.Category === 'Approval' && customData !== undefined && literalText(customData).length > 500) {
        report(at(`${where}.Configuration.CustomData`), 'longer than 500 characters', literalText(customData));
      }
    });
  });
}

/** Token text in literal strings, and token-encoded numbers: a token that escaped resolution. */
function leakedTokens(value: Json, path: string, violations: string[]): void {
  if (typeof value === 'string') {
    // Also the text of a token after a name clean-up replaced its brackets: `Token-TOKEN-12`.
    if (value.includes('${Token[') || value.includes('Token[TOKEN') || value.includes('#{Token[') || /Token\W?TOKEN\W?\d+/.test(value)) {
      violations.push(`${path}: a token leaked into a literal string: ${JSON.stringify(value.slice(0, 200))}`);
    }
  } else if (typeof value === 'number') {
    if (Token.isUnresolved(value)) {
      violations.push(`${path}: a token-encoded number leaked: ${value}`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => leakedTokens(item, `${path}[${i}]`, violations));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      leakedTokens(key, `${path}/${key} (key)`, violations);
      leakedTokens(item, path ? `${path}/${key}` : key, violations);
    }
  }
}
