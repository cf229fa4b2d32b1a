/**
 * The recorder's stage lists from the SSM parameters its environment names, when they did not
 * fit there: added up with the environment's, read in calls of 10 names, kept for a minute.
 */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, RECORD_TABLE_ENV } from '../../../contract/deployment-record';
import { loadRecorderSettings } from '../../../lambda/deployment-recorder/config';
import { callScope } from '../helpers';

const ssm = mockClient(SSMClient);
const names = Array.from({ length: 11 }, (_, i) => `/cdk-ecs-release/recorder/PipelineStack-Release-DeploymentRecorder-7DCD58CC/${i + 1}`);

function env(configurationParameters: string[]): NodeJS.ProcessEnv {
  return {
    [RECORD_TABLE_ENV]: 'records',
    [DEPLOYMENT_RECORDER_CONFIG_ENV]: JSON.stringify({ deploymentGroups: [], ecsServices: [], deployActions: [], configurationParameters,
      buildVariables: { imageUri: 'IMAGE_URI', imageTag: 'IMAGE_TAG' } }),
  };
}

beforeEach(() => {
  ssm.reset();
  ssm.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
    Parameters: Names.map((name) => {
      const part = Number(name.split('/').pop());
      return { Name: name, Value: JSON.stringify({
        ecsServices: [{ serviceArn: `arn:aws:ecs:eu-west-1:111122223333:service/orders/service-${part}`, serviceName: `service-${part}`, stageName: 'Production' }],
        alarms: [{ alarmName: `service-${part}-5xx`, serviceName: `service-${part}`, stageName: 'Production' }],
      }) };
    }),
  }));
});

test('adds up the parameters\' lists, read 10 names a call, and reads them again only after a minute', async () => {
  const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-30T12:00:00Z'));
  const settings = await loadRecorderSettings(callScope().scope, env(names));
  expect(settings.ecsServices.map((s) => s.serviceName)).toEqual(names.map((_, i) => `service-${i + 1}`));
  expect(settings.alarms).toHaveLength(11);
  expect(settings.buildVariables).toEqual({ imageUri: 'IMAGE_URI', imageTag: 'IMAGE_TAG' });
  expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names!.length)).toEqual([10, 1]);

  await loadRecorderSettings(callScope().scope, env(names));
  expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  now.mockReturnValue(Date.parse('2026-11-30T12:01:01Z'));
  await loadRecorderSettings(callScope().scope, env(names));
  expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(4);
  now.mockRestore();
});

test('a parameter that does not exist, or holds no valid list, fails the invocation with its name', async () => {
  ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/cdk-ecs-release/recorder/missing/1'] });
  await expect(loadRecorderSettings(callScope().scope, env(['/cdk-ecs-release/recorder/missing/1'])))
    .rejects.toThrow(`invalid ${DEPLOYMENT_RECORDER_CONFIG_ENV}: configuration parameter /cdk-ecs-release/recorder/missing/1 does not exist`);
  ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/cdk-ecs-release/recorder/bad/1', Value: '{"alarms":[{"alarmName":""}]}' }] });
  await expect(loadRecorderSettings(callScope().scope, env(['/cdk-ecs-release/recorder/bad/1'])))
    .rejects.toThrow('alarms of parameter /cdk-ecs-release/recorder/bad/1[0].alarmName must be a non-empty string');
});
