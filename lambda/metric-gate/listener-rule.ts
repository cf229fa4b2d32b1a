/**
 * Green and blue under Amazon ECS blue/green: ECS moves production traffic by the weights of the
 * production listener rule's forward action, so once the shift is over, green is the target
 * group that rule forwards (nearly) all production traffic to, and blue is the other one the
 * hook was configured with. The rule is what production traffic follows, so it cannot name a
 * green that serves none of it.
 */
import type {
  Action,
  DescribeRulesCommand as DescribeRulesCommandType,
  ElasticLoadBalancingV2Client as ElasticLoadBalancingV2ClientType,
  Rule,
  TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { answerOf, objectList } from '../shared/answer';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';

interface ElbApi {
  readonly client: ElasticLoadBalancingV2ClientType;
  readonly DescribeRulesCommand: typeof DescribeRulesCommandType;
}

/** Loaded on first use: only the Amazon ECS path of the gate reads a listener rule. */
const loadElbApi = lazy((): Promise<ElbApi> => import('@aws-sdk/client-elastic-load-balancing-v2').then((module) => ({
  client: new module.ElasticLoadBalancingV2Client(clientConfig()),
  DescribeRulesCommand: module.DescribeRulesCommand,
})));

/** A target group the rule forwards to, and its share of the rule's traffic. */
export interface ForwardedTargetGroup {
  /** The CloudWatch dimension value, `targetgroup/<name>/<id>`. */
  readonly targetGroupFullName: string;
  readonly weight: number;
}

/**
 * Green must receive at least this share of the rule's weight: after the production traffic
 * shift ECS forwards all of it. A rule that still splits traffic means the gate runs before the
 * shift is over, where the heavier target group may well be blue.
 */
export const GREEN_MIN_WEIGHT_SHARE = 0.99;

const CALL = 'elasticloadbalancing:DescribeRules';

/**
 * The target groups the rule's forward action sends traffic to, with their weights. Needs
 * `elasticloadbalancing:DescribeRules`, which takes no resource-level permission (`*`).
 */
export async function forwardedTargetGroups(scope: AwsCallScope, ruleArn: string): Promise<ForwardedTargetGroup[]> {
  const api = await loadElbApi();
  const described = answerOf(CALL, await awsCall(scope, CALL, (abortSignal) =>
    api.client.send(new api.DescribeRulesCommand({ RuleArns: [ruleArn] }), { abortSignal }), { baseDelayMs: 100, logFields: { ruleArn } }));
  const rules = objectList<Rule>(CALL, described, 'Rules');
  const rule = rules.find((candidate) => candidate.RuleArn === ruleArn) ?? rules[0];
  if (!rule) {
    throw new Error(`${CALL}: listener rule ${ruleArn} not found`);
  }
  const where = { where: `listener rule ${ruleArn}` };
  const forwards = objectList<Action>(CALL, rule, 'Actions', where).filter((action) => action.Type === 'forward');
  if (forwards.length === 0) {
    throw new Error(`listener rule ${ruleArn} has no forward action, so it sends production traffic to no target group`);
  }
  return forwards.flatMap((action): ForwardedTargetGroup[] => {
    const tuples = objectList<TargetGroupTuple>(CALL, action.ForwardConfig, 'TargetGroups', where);
    if (tuples.length === 0 && typeof action.TargetGroupArn === 'string') {
      return [{ targetGroupFullName: targetGroupFullName(action.TargetGroupArn), weight: 1 }];
    }
    return tuples.map((tuple) => {
      if (typeof tuple.TargetGroupArn !== 'string') {
        throw new Error(`${CALL}: listener rule ${ruleArn} forwards to a target group without an ARN`);
      }
      // ELB weighs a target group given without a weight as 1.
      const weight = tuple.Weight ?? 1;
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
        throw new Error(`${CALL}: listener rule ${ruleArn} gives ${tuple.TargetGroupArn} the weight ${JSON.stringify(weight)}`);
      }
      return { targetGroupFullName: targetGroupFullName(tuple.TargetGroupArn), weight };
    });
  });
}

/**
 * Green, the configured target group receiving at least {@link GREEN_MIN_WEIGHT_SHARE} of the
 * rule's traffic, and blue, the other configured one. Throws when the rule sends traffic to a
 * target group the hook was not configured with, or has not moved (nearly) all of it to one.
 */
export function greenAndBlueOfRule(
  forwarded: readonly ForwardedTargetGroup[],
  configured: readonly [string, string],
  ruleArn: string,
): { green: string; blue: string } {
  const receiving = forwarded.filter((tg) => tg.weight > 0);
  const stranger = receiving.find((tg) => !configured.includes(tg.targetGroupFullName));
  if (stranger) {
    throw new Error(`production listener rule ${ruleArn} forwards traffic to ${stranger.targetGroupFullName}, which is not one of the `
      + `configured target groups ${configured.join(', ')}; give the metric gate the service's two target groups`);
  }
  const total = receiving.reduce((sum, tg) => sum + tg.weight, 0);
  const weightOf = (name: string) => receiving.filter((tg) => tg.targetGroupFullName === name).reduce((sum, tg) => sum + tg.weight, 0);
  const shares = configured.map((name) => (total > 0 ? weightOf(name) / total : 0));
  const greenIndex = shares.findIndex((share) => share >= GREEN_MIN_WEIGHT_SHARE);
  if (greenIndex < 0) {
    const split = configured.map((name, index) => `${Math.round(shares[index] * 1000) / 10} % to ${name}`).join(' and ');
    throw new Error(`production listener rule ${ruleArn} forwards ${total > 0 ? split : 'no traffic'}: production traffic has not moved `
      + 'to one target group, so green cannot be told from blue; the metric gate runs after the production traffic shift '
      + '(POST_PRODUCTION_TRAFFIC_SHIFT)');
  }
  return { green: configured[greenIndex], blue: configured[1 - greenIndex] };
}

/** `arn:…:targetgroup/<name>/<id>` → `targetgroup/<name>/<id>`, the CloudWatch dimension value. */
export function targetGroupFullName(targetGroupArn: string): string {
  const resource = targetGroupArn.split(':').slice(5).join(':');
  if (!/^targetgroup\/[^/]+\/[^/]+$/.test(resource)) {
    throw new Error(`${CALL} answered a target group ARN ${JSON.stringify(targetGroupArn)} that does not end in targetgroup/<name>/<id>`);
  }
  return resource;
}
