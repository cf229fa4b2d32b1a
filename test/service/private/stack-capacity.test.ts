import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BlueGreenService } from '../../../lib';
import { mockCluster, testImage, testStack } from '../../util';

function stackWithServices(services: number, extraQueues: number) {
  const stack = testStack();
  const { cluster } = mockCluster(stack);
  for (let i = 0; i < services; i++) {
    new BlueGreenService(stack, `Service${i}`, { cluster, image: testImage, serviceName: `service-${i}` });
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

  test('a stack of 400 resources or fewer gets no warning', () => {
    const stack = stackWithServices(2, 0);

    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp("of CloudFormation's 500 resources"))).toHaveLength(0);
  });
});
