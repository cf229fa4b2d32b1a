/**
 * The pre-flight hook's decision about the rollback alarms, kept free of AWS calls.
 */

/** The fields of a CloudWatch metric or composite alarm the decision reads. */
export interface AlarmFacts {
  readonly name: string;
  readonly type: 'metric' | 'composite';
  readonly stateValue?: string;
  readonly actionsEnabled?: boolean;
  readonly stateReason?: string;
}

export type AlarmVerdict = 'ok' | 'in-alarm' | 'actions-disabled' | 'missing';

export interface AlarmDecision {
  readonly alarm: string;
  readonly verdict: AlarmVerdict;
  readonly state?: string;
  readonly actionsEnabled?: boolean;
  readonly reason: string;
}

export interface PreflightVerdict {
  readonly status: 'Succeeded' | 'Failed';
  readonly reason: string;
  readonly decisions: AlarmDecision[];
}

/** Alarm names without duplicates or blanks, order kept. */
export function uniqueAlarmNames(...lists: (readonly string[] | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    for (const name of list ?? []) {
      const trimmed = name.trim();
      if (trimmed) {
        seen.add(trimmed);
      }
    }
  }
  return [...seen];
}

function decideOne(name: string, alarm: AlarmFacts | undefined, failOnActionsDisabled: boolean): AlarmDecision {
  if (!alarm) {
    return { alarm: name, verdict: 'missing', reason: `alarm ${name} does not exist` };
  }
  const base = { alarm: name, state: alarm.stateValue, actionsEnabled: alarm.actionsEnabled };
  if (alarm.stateValue === 'ALARM') {
    const why = alarm.stateReason ? `: ${alarm.stateReason}` : '';
    return { ...base, verdict: 'in-alarm', reason: `${alarm.type} alarm ${name} is in ALARM${why}` };
  }
  if (alarm.actionsEnabled === false && failOnActionsDisabled) {
    return { ...base, verdict: 'actions-disabled', reason: `${alarm.type} alarm ${name} has its actions disabled` };
  }
  return { ...base, verdict: 'ok', reason: `${alarm.type} alarm ${name} is ${alarm.stateValue ?? 'in an unknown state'}` };
}

/**
 * Refuses to start the deployment when any named alarm is in ALARM, has its actions disabled
 * (unless that check is turned off), or does not exist. INSUFFICIENT_DATA is accepted: a new
 * alarm on a quiet service has no data yet and is no reason to block.
 */
export function evaluateAlarms(
  names: readonly string[],
  alarms: readonly AlarmFacts[],
  failOnActionsDisabled: boolean,
): PreflightVerdict {
  const byName = new Map(alarms.map((a) => [a.name, a]));
  const decisions = names.map((name) => decideOne(name, byName.get(name), failOnActionsDisabled));
  const problems = decisions.filter((d) => d.verdict !== 'ok');
  if (problems.length > 0) {
    return {
      status: 'Failed',
      reason: `refusing to deploy: ${problems.map((p) => p.reason).join('; ')}`,
      decisions,
    };
  }
  const reason = names.length === 0
    ? 'no rollback alarms to check'
    : `all ${names.length} rollback alarms are clear`;
  return { status: 'Succeeded', reason, decisions };
}

/** CloudWatch DescribeAlarms accepts at most 100 names per call. */
export function batches<T>(items: readonly T[], size = 100): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
