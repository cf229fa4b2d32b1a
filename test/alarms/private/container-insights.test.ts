import { containerInsightsSetting } from '../../../lib/alarms/private/container-insights';

describe('containerInsightsSetting', () => {
  test.each(['enabled', 'enhanced', 'disabled'])('reads %p from the cluster settings', (value) => {
    expect(containerInsightsSetting([{ name: 'containerInsights', value }])).toBe(value);
  });

  test('is undefined when the cluster leaves it to the account default', () => {
    expect(containerInsightsSetting(undefined)).toBeUndefined();
    expect(containerInsightsSetting([])).toBeUndefined();
    expect(containerInsightsSetting([{ name: 'other', value: 'disabled' }])).toBeUndefined();
  });

  test('is undefined when the value is only known at deploy time', () => {
    expect(containerInsightsSetting([{ name: 'containerInsights', value: { Ref: 'Insights' } }])).toBeUndefined();
    expect(containerInsightsSetting({ 'Fn::If': ['Cond', [], []] })).toBeUndefined();
  });
});
