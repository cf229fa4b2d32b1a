/**
 * What happens after an event's writes: the steps that read the item as it now stands (the DORA
 * facts, the incident report). They run on a duplicate event too, and each is idempotent: a step
 * that failed throws, Lambda redelivers the event, its writes are then duplicates, and the step
 * runs again on the item they return.
 */
import type { AwsCallScope } from '../shared/aws-call';
import type { RecorderSettings } from './config';
import { recordDoraFacts } from './dora';
import type { RecordUpdate, RecordedEvent } from './events';
import { writeIncidentReport } from './incident-report';
import type { WriteResult } from './write';

export interface FollowUpInput {
  readonly scope: AwsCallScope;
  readonly settings: RecorderSettings;
  readonly event: RecordedEvent;
  readonly update: RecordUpdate;
  readonly result: WriteResult;
}

export type FollowUp = (input: FollowUpInput) => Promise<void>;

/** The steps, in order; a step's failure fails the invocation, so the event is retried. */
export const FOLLOW_UPS: FollowUp[] = [recordDoraFacts, writeIncidentReport];

export async function runFollowUps(inputs: readonly FollowUpInput[]): Promise<void> {
  for (const input of inputs) {
    if (Object.keys(input.result.item).length === 0) {
      continue;
    }
    for (const step of FOLLOW_UPS) {
      await step(input);
    }
  }
}
