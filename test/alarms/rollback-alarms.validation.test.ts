import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RollbackAlarms } from '../../lib/alarms';
import { mockService } from './mock-service';
import { enableBuiltinValidation } from '../builtin-validation';

enableBuiltinValidation();

// One synthesis with CloudFormation's own schema validation, the strict rules on: the alarms,
// metric filters, composite alarm and deployment group settings must be what CloudFormation takes.
test('synthesizes under CloudFormation validation with every kind of alarm and a composite alarm', () => {
  const app = new App({
    context: {
      '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': true,
      '@aws-cdk/core:validateAgainstDefaultRules': true,
    },
  });
  const stack = new Stack(app, 'OrdersStack');
  const svc = mockService(stack);
  const alarms = new RollbackAlarms(stack, 'RollbackAlarms', {
    serviceName: 'orders-api',
    targetGroups: [svc.blue, svc.green],
    logGroup: svc.logGroup,
    service: svc.service,
    deploymentGroup: svc.deploymentGroup,
  });
  for (let i = 1; i <= 8; i++) {
    alarms.addAlarm(new cloudwatch.Alarm(stack, `User${i}`, {
      metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: `Metric${i}` }),
      threshold: 1,
      evaluationPeriods: 1,
    }));
  }
  expect(() => app.synth()).not.toThrow();
});
