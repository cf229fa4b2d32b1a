import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BlueGreenService, SmokeCheck, SmokeTestHook } from '../../../lib';
import { mockCluster, testImage, testStack } from '../../util';

function stackWithServices(services: number, extraQueues: number, withSmokeTests = false) {
  const stack = testStack();
  const { cluster } = mockCluster(stack);
  for (let i = 0; i < services; i++) {
    const service = new BlueGreenService(stack, `Service${i}`, { cluster, image: testImage, serviceName: `service-${i}` });
    if (withSmokeTests) {
      new SmokeTestHook(stack, `Service${i}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] });
    }
  }
  for (let i = 0; i < extraQueues; i++) {
    new sqs.CfnQueue(stack, `Queue${i}`);
  }
  return stack;
}

describe('stack capacity', () => {
  test('a stack past 400 resources is told how many more services it can hold, and how to split', () => {
    const stack = stackWithServices(2, 330);
    const warnings = Annotations.fromStack(stack).findWarning('/TestStack', Match.stringLikeRegexp('resources'));

    expect(warnings).toHaveLength(1);
    const message = String(warnings[0].entry.data);
    const [, total, services, perService, room] = /has (\d+) of CloudFormation's 500 resources; its (\d+) service\(s\) take about (\d+) each, so it can hold (\d+) more/.exec(message) ?? [];
    expect(Number(services)).toBe(2);
    expect(Number(total)).toBeGreaterThan(400);
    expect(Number(room)).toBe(Math.floor((500 - Number(total)) / Number(perService)));
    expect(message).toMatch(/stack of their own/);
  });

  test('a service\'s hooks count in what it takes, though they live beside it', () => {
    const perService = (stack: ReturnType<typeof stackWithServices>) => {
      const [warning] = Annotations.fromStack(stack).findWarning('/TestStack', Match.stringLikeRegexp("of CloudFormation's 500 resources"));
      return Number(/take about (\d+) each/.exec(String(warning?.entry.data))?.[1]);
    };
    const bare = perService(stackWithServices(2, 330));
    const withHooks = stackWithServices(2, 330, true);

    // The smoke test's function is the stack's; each service gets its hook configuration parameter (in its own
    // subtree). The rollback verifications of five services share a rule beside the function: in the stack's
    // total, which the room left is computed from, not in a service's share.
    const template = Template.fromStack(withHooks);
    expect(Object.keys(template.findResources('AWS::Events::Rule')).filter((id) => /^CdkEcsReleaseSmokeTestHookRollbackVerification/.test(id)))
      .toHaveLength(1);
    expect(Object.keys(template.findResources('AWS::SSM::Parameter')).filter((id) => /^Service\dHookConfiguration/.test(id))).toHaveLength(2);
    expect(perService(withHooks)).toBe(bare + 1);
  });

  test('a stack of 400 resources or fewer gets no warning', () => {
    const stack = stackWithServices(2, 0);

    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp("of CloudFormation's 500 resources"))).toHaveLength(0);
  });
});
