import { parse } from 'yaml';
import { LifecycleEvent } from '../../../lib';
import { TASK_DEFINITION_PLACEHOLDER, renderAppSpecYaml, sortHooks } from '../../../lib/service/private/appspec';

describe('renderAppSpecYaml', () => {
  test('renders the documented shape with the task definition placeholder', () => {
    const yaml = renderAppSpecYaml({
      taskDefinition: TASK_DEFINITION_PLACEHOLDER,
      containerName: 'web',
      containerPort: '8080',
      hooks: [],
    });
    expect(yaml).toBe([
      'version: 0.0',
      'Resources:',
      '  - TargetService:',
      '      Type: AWS::ECS::Service',
      '      Properties:',
      '        TaskDefinition: "<TASK_DEFINITION>"',
      '        LoadBalancerInfo:',
      '          ContainerName: "web"',
      '          ContainerPort: 8080',
      '',
    ].join('\n'));
    expect(parse(yaml)).toEqual({
      version: 0,
      Resources: [{
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: '<TASK_DEFINITION>',
            LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 },
          },
        },
      }],
    });
  });

  test('lists hooks in lifecycle order whatever order they were added in', () => {
    const yaml = renderAppSpecYaml({
      taskDefinition: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:7',
      containerName: 'web',
      containerPort: '8080',
      platformVersion: '1.4.0',
      hooks: [
        { lifecycleEvent: LifecycleEvent.AFTER_ALLOW_TRAFFIC, functionName: 'gate' },
        { lifecycleEvent: LifecycleEvent.BEFORE_INSTALL, functionName: 'preflight' },
        { lifecycleEvent: LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC, functionName: 'smoke' },
        { lifecycleEvent: LifecycleEvent.AFTER_INSTALL, functionName: 'migrate' },
        { lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC, functionName: 'custom' },
      ],
    });
    const parsed = parse(yaml);
    expect(parsed.Hooks).toEqual([
      { BeforeInstall: 'preflight' },
      { AfterInstall: 'migrate' },
      { AfterAllowTestTraffic: 'smoke' },
      { BeforeAllowTraffic: 'custom' },
      { AfterAllowTraffic: 'gate' },
    ]);
    expect(parsed.Resources[0].TargetService.Properties.PlatformVersion).toBe('1.4.0');
    expect(parsed.Resources[0].TargetService.Properties.TaskDefinition).toBe('arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:7');
  });

  test('quotes values that YAML would otherwise misread', () => {
    const awkward = ['yes', '0123', 'a: b', '- x', '#comment', 'quote " and \\ backslash', 'null', '*anchor'];
    for (const value of awkward) {
      const parsed = parse(renderAppSpecYaml({
        taskDefinition: value,
        containerName: value,
        containerPort: '80',
        hooks: [{ lifecycleEvent: LifecycleEvent.AFTER_INSTALL, functionName: value }],
      }));
      expect(parsed.Resources[0].TargetService.Properties.TaskDefinition).toBe(value);
      expect(parsed.Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerName).toBe(value);
      expect(parsed.Hooks[0].AfterInstall).toBe(value);
    }
  });

  test('sortHooks keeps the order of hooks within one event', () => {
    const sorted = sortHooks([
      { lifecycleEvent: LifecycleEvent.AFTER_INSTALL, id: 'b' },
      { lifecycleEvent: LifecycleEvent.BEFORE_INSTALL, id: 'a' },
      { lifecycleEvent: LifecycleEvent.AFTER_INSTALL, id: 'c' },
    ]);
    expect(sorted.map((hook) => hook.id)).toEqual(['a', 'b', 'c']);
  });
});
