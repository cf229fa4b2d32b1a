import { METRIC_GATE_CONFIG_ENV } from '../../../contract/metric-gate';
import { loadMetricGateSettings } from '../../../lambda/metric-gate/config';
import { GREEN_MIN_WEIGHT_SHARE, greenAndBlueOfRule, targetGroupFullName } from '../../../lambda/metric-gate/listener-rule';
import { computeEcsWindows, sharedProductionSeconds } from '../../../lambda/metric-gate/window';

const t = (iso: string) => new Date(iso);
const SETTINGS = { bakeWindowSeconds: 300, lookbackSeconds: 600, metricDelaySeconds: 90 };
const SHIFT_END = t('2026-03-01T10:20:00Z');

describe('computeEcsWindows', () => {
  test('all at once: green over the bake window from the shift\'s end, blue over as long before it', () => {
    const w = computeEcsWindows('all-at-once', { startedAt: t('2026-03-01T10:10:00Z'), shiftEnd: SHIFT_END }, SETTINGS);

    expect(w).toEqual({
      green: { start: SHIFT_END, end: t('2026-03-01T10:25:00Z') },
      blue: { start: t('2026-03-01T10:15:00Z'), end: SHIFT_END },
      readyAt: t('2026-03-01T10:26:30Z'),
      source: 'bake',
    });
  });

  test.each(['canary', 'linear'] as const)('%s: both over the deployment, from its start to the shift\'s end', (mode) => {
    const w = computeEcsWindows(mode, { startedAt: t('2026-03-01T10:12:00Z'), shiftEnd: SHIFT_END }, SETTINGS);

    expect(w).toEqual({
      green: { start: t('2026-03-01T10:12:00Z'), end: SHIFT_END },
      blue: { start: t('2026-03-01T10:12:00Z'), end: SHIFT_END },
      readyAt: t('2026-03-01T10:21:30Z'),
      source: 'deployment',
    });
  });

  test.each(['canary', 'linear'] as const)('%s: over the time the traffic steps take, when ECS reports them', (mode) => {
    const w = computeEcsWindows(mode, { startedAt: t('2026-03-01T09:00:00Z'), shiftEnd: SHIFT_END, sharedProductionSeconds: 1800 }, SETTINGS);

    expect(w).toEqual({
      green: { start: t('2026-03-01T09:50:00Z'), end: SHIFT_END },
      blue: { start: t('2026-03-01T09:50:00Z'), end: SHIFT_END },
      readyAt: t('2026-03-01T10:21:30Z'),
      source: 'shift',
    });
  });

  test('steps never reach back before the deployment started', () => {
    const w = computeEcsWindows('canary', { startedAt: t('2026-03-01T10:12:00Z'), shiftEnd: SHIFT_END, sharedProductionSeconds: 1800 }, SETTINGS);

    expect(w).toMatchObject({ green: { start: t('2026-03-01T10:12:00Z'), end: SHIFT_END }, source: 'shift' });
  });

  test('steps of under a minute fall back to the deployment\'s start', () => {
    const w = computeEcsWindows('linear', { startedAt: t('2026-03-01T10:12:00Z'), shiftEnd: SHIFT_END, sharedProductionSeconds: 0 }, SETTINGS);

    expect(w).toMatchObject({ green: { start: t('2026-03-01T10:12:00Z') }, source: 'deployment' });
  });

  test.each([
    ['started longer ago than lookbackSeconds', t('2026-03-01T09:00:00Z')],
    ['started under a minute before the shift\'s end', t('2026-03-01T10:19:30Z')],
    ['with no start time', undefined],
  ])('a deployment %s is read over lookbackSeconds up to the shift\'s end', (_case, startedAt) => {
    const w = computeEcsWindows('canary', { startedAt, shiftEnd: SHIFT_END }, SETTINGS);

    expect(w).toMatchObject({ green: { start: t('2026-03-01T10:10:00Z'), end: SHIFT_END }, source: 'lookback' });
    expect(w.blue).toEqual(w.green);
  });
});

describe('sharedProductionSeconds', () => {
  test.each([
    ['canary', { canary: { percent: 10, bakeTimeInMinutes: 15 } }, 900],
    ['canary', { canary: { percent: 5 } }, undefined],
    ['linear', { linear: { stepPercent: 10, stepBakeTimeInMinutes: 6 } }, 9 * 360],
    ['linear', { linear: { stepPercent: 33.3, stepBakeTimeInMinutes: 2 } }, 3 * 120],
    ['linear', { linear: { stepPercent: 3, stepBakeTimeInMinutes: 1 } }, 33 * 60],
    ['linear', { linear: { stepPercent: 100, stepBakeTimeInMinutes: 5 } }, 0],
    ['linear', { canary: { percent: 10, bakeTimeInMinutes: 15 } }, undefined],
    ['all-at-once', { canary: { percent: 10, bakeTimeInMinutes: 15 } }, undefined],
  ] as const)('%s with %j: %p s', (mode, steps, expected) => {
    expect(sharedProductionSeconds(mode, steps)).toBe(expected);
  });
});

describe('green and blue from the production listener rule', () => {
  const A = 'targetgroup/web-a/73e2d6bc24d8a067';
  const B = 'targetgroup/web-b/943f017f100becff';
  const RULE = 'rule-arn';

  test('the target group holding (nearly) all the weight is green', () => {
    expect(greenAndBlueOfRule([{ targetGroupFullName: A, weight: 0 }, { targetGroupFullName: B, weight: 100 }], [A, B], RULE)).toEqual({ green: B, blue: A });
    expect(greenAndBlueOfRule([{ targetGroupFullName: A, weight: 999 }, { targetGroupFullName: B, weight: 1 }], [A, B], RULE)).toEqual({ green: A, blue: B });
    expect(GREEN_MIN_WEIGHT_SHARE).toBe(0.99);
  });

  test('a split short of that is refused: the heavier one may be blue mid-shift', () => {
    expect(() => greenAndBlueOfRule([{ targetGroupFullName: A, weight: 90 }, { targetGroupFullName: B, weight: 10 }], [A, B], RULE))
      .toThrow('production listener rule rule-arn forwards 90 % to targetgroup/web-a/73e2d6bc24d8a067 and 10 % to targetgroup/web-b/943f017f100becff');
    expect(() => greenAndBlueOfRule([{ targetGroupFullName: A, weight: 0 }], [A, B], RULE)).toThrow('forwards no traffic');
  });

  test('a target group of another service with no weight does not matter', () => {
    const other = 'targetgroup/other/0123456789abcdef';
    expect(greenAndBlueOfRule([{ targetGroupFullName: other, weight: 0 }, { targetGroupFullName: A, weight: 1 }], [A, B], RULE)).toEqual({ green: A, blue: B });
  });

  test('a target group ARN becomes its CloudWatch dimension value', () => {
    expect(targetGroupFullName(`arn:aws-cn:elasticloadbalancing:cn-north-1:111122223333:${A}`)).toBe(A);
    expect(() => targetGroupFullName('arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1')).toThrow('does not end in targetgroup/<name>/<id>');
  });
});

describe('the configuration under Amazon ECS', () => {
  const LB = 'app/web/50dc6c495c0c9188';
  const RULE = `arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/${LB}/f2f7dc8efc522ab2/9683b2d02a6cabee`;
  const env = (extra: Record<string, unknown>) => ({
    [METRIC_GATE_CONFIG_ENV]: JSON.stringify({
      loadBalancerFullName: LB, targetGroupFullNames: ['targetgroup/a/1', 'targetgroup/b/2'], trafficShift: 'canary', ...extra,
    }),
  });

  test('keeps the production listener rule under ECS, and does not read it under CodeDeploy', () => {
    expect(loadMetricGateSettings(env({ productionListenerRuleArn: RULE }), 'ecs').productionListenerRuleArn).toBe(RULE);
    expect(loadMetricGateSettings(env({ productionListenerRuleArn: 'not an arn' })).productionListenerRuleArn).toBeUndefined();
    expect(loadMetricGateSettings(env({})).trafficShift).toBe('canary');
  });

  test.each([
    [undefined, 'productionListenerRuleArn is required under Amazon ECS blue/green'],
    ['arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2', 'productionListenerRuleArn must be a listener rule ARN'],
    [42, 'productionListenerRuleArn must be a listener rule ARN'],
  ])('fails under ECS when productionListenerRuleArn is %p', (value, message) => {
    expect(() => loadMetricGateSettings(env({ productionListenerRuleArn: value }), 'ecs')).toThrow(`invalid ${METRIC_GATE_CONFIG_ENV}: ${message}`);
  });
});
