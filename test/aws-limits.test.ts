import { Token, Lazy } from 'aws-cdk-lib';
import { awsLimitViolations, literalText } from './aws-limits';

describe('awsLimitViolations', () => {
  test('a template within the limits has none', () => {
    expect(awsLimitViolations({
      Resources: {
        Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'Stack/Service/LoadBalancer', SecurityGroupIngress: [{ Description: 'test listener of orders-api' }] } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Description: 'x', Environment: { Variables: { CONFIG: '{}' } } } },
        Tg: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] } },
      },
      Outputs: { Url: { Description: 'The dashboard' } },
    })).toEqual([]);
  });

  test('reports descriptions over their length or outside their charset, naming resource and property', () => {
    const violations = awsLimitViolations({
      Resources: {
        Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'café', SecurityGroupIngress: [{ Description: 'a'.repeat(256) }] } },
        Role: { Type: 'AWS::IAM::Role', Properties: { Description: 'orders 🚀' } },
        Rule: { Type: 'AWS::Events::Rule', Properties: { Description: { 'Fn::Join': ['', ['a'.repeat(513), { Ref: 'X' }]] } } },
      },
    });
    expect(violations).toEqual([
      expect.stringMatching(/^Sg \(AWS::EC2::SecurityGroup\) GroupDescription: outside EC2's charset/),
      expect.stringMatching(/^Sg \(AWS::EC2::SecurityGroup\) SecurityGroupIngress\[0\]\.Description: longer than 255 characters/),
      expect.stringMatching(/^Role \(AWS::IAM::Role\) Description: outside IAM's charset/),
      expect.stringMatching(/^Rule \(AWS::Events::Rule\) Description: longer than 512 characters/),
    ]);
  });

  test('reports leaked tokens, an oversized Lambda environment or SSM value, and a numeric deregistration delay', () => {
    const number = Token.asNumber(Lazy.number({ produce: () => 1 }));
    const violations = awsLimitViolations({
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { A: 'x'.repeat(4096) } } } },
        P: { Type: 'AWS::SSM::Parameter', Properties: { Value: 'x'.repeat(4097) } },
        Tg: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: 30 }] } },
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: 'orders ${Token[TOKEN.12]} 5xx', Period: number } },
      },
    });
    expect(violations).toEqual([
      expect.stringMatching(/^Resources\/A\/Properties\/AlarmName: a token leaked/),
      expect.stringMatching(/^Resources\/A\/Properties\/Period: a token-encoded number leaked/),
      expect.stringMatching(/^Fn \(AWS::Lambda::Function\) Environment: variables total 4097 bytes/),
      expect.stringMatching(/^P \(AWS::SSM::Parameter\) Value: 4097 bytes, more than the Standard tier's 4096/),
      expect.stringMatching(/^Tg .* deregistration_delay.timeout_seconds: not a string of whole seconds/),
    ]);
  });

  test('reports pipeline names and artifacts outside their pattern, long approval data and awslogs prefixes, and non-literal output descriptions', () => {
    const violations = awsLimitViolations({
      Resources: {
        Pipeline: {
          Type: 'AWS::CodePipeline::Pipeline',
          Properties: {
            Stages: [{
              Name: 'Staging EU',
              Actions: [{ Name: 'Approve', ActionTypeId: { Category: 'Approval' }, Configuration: { CustomData: 'c'.repeat(501) }, OutputArtifacts: [{ Name: 'a.b' }] }],
            }],
          },
        },
        Td: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Name: 'web', LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-stream-prefix': 'p'.repeat(480) } } }] } },
      },
      Outputs: { Url: { Description: { Ref: 'Name' } } },
    });
    expect(violations).toEqual([
      expect.stringMatching(/Stages\[0\]\.Name: not a name/),
      expect.stringMatching(/Stages\[0\]\.Actions\[0\]\.OutputArtifacts\[0\]: not a name/),
      expect.stringMatching(/Stages\[0\]\.Actions\[0\]\.Configuration\.CustomData: longer than 500 characters/),
      expect.stringMatching(/^Td .* awslogs-stream-prefix: makes log stream names of 517 characters/),
      expect.stringMatching(/^Output Url Description: not a literal string/),
    ]);
  });

  test('measures intrinsics by their literal parts only', () => {
    expect(literalText({ 'Fn::Join': ['-', ['a', { Ref: 'B' }, 'c']] })).toBe('a--c');
    expect(literalText({ 'Fn::Sub': 'x${AWS::Region}y' })).toBe('xy');
  });
});
