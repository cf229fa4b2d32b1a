/**
 * A hotfix's way through a change freeze: an SSM parameter a person writes, by name of the
 * service, to let releases of that service start while a Change Calendar is CLOSED, until it
 * expires. Writing it is the approval (IAM says who may); SSM keeps each version with the user
 * who wrote it (`GetParameterHistory`, `LastModifiedUser`), and the pre-flight hook logs every
 * override it honours, so each one is recorded.
 *
 * Pure TypeScript with no imports: `lib/`, `lambda/` and the release CLI import this file.
 */

/** Every override parameter's name starts with this. */
export const FREEZE_OVERRIDE_PARAMETER_PREFIX = '/cdk-ecs-release/freeze-override/';

/** The parameter that overrides change freezes for one service (its ECS service name). */
export function freezeOverrideParameterName(serviceName: string): string {
  return `${FREEZE_OVERRIDE_PARAMETER_PREFIX}${serviceName}`;
}

/** The parameter's value: `JSON.stringify(FreezeOverride)`. */
export interface FreezeOverride {
  /** Why, for the record: e.g. `hotfix for INC-123, approved by the on-call lead`. 1-500 characters. */
  readonly reason: string;
  /** ISO 8601 time after which the override no longer counts. */
  readonly expiresAt: string;
  /** Who approved, as the writer states it; SSM records the IAM identity that wrote it too. */
  readonly approvedBy: string;
  /** When set, only releases of this version pass (e.g. the hotfix's image tag). */
  readonly version?: string;
}

/** The longest an override may last: a hotfix, not a way to lift a freeze. */
export const MAX_FREEZE_OVERRIDE_HOURS = 24;
