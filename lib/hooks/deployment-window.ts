import { Token } from 'aws-cdk-lib';
import { PreflightWindowConfig, WINDOW_DAYS } from '../../contract/preflight';

/** A day of the week, for a {@link DeploymentWindow}. */
export enum Weekday {
  MONDAY = 'MON',
  TUESDAY = 'TUE',
  WEDNESDAY = 'WED',
  THURSDAY = 'THU',
  FRIDAY = 'FRI',
  SATURDAY = 'SAT',
  SUNDAY = 'SUN',
}

/** The working days, Monday to Friday. */
const WORKING_DAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY];
/**
 * Days in CodePipeline's cron order, Sunday first (day-of-week 1 is Sunday): the order the
 * pre-flight hook's configuration lists them in too. Each Weekday's value is its name there.
 */
const CRON_DAY_ORDER = WINDOW_DAYS.map((day) => day as Weekday);

/** Options of {@link DeploymentWindow.weekly}. */
export interface WeeklyDeploymentWindowOptions {
  /**
   * The days a release may enter the stage.
   * @default - Monday to Friday
   */
  readonly days?: Weekday[];

  /** The first hour a release may enter the stage, 0-23, e.g. 9 for 09:00. */
  readonly startHour: number;

  /** The hour the window closes, 1-24 and after `startHour`, e.g. 16 for 16:00 (the last entry at 15:59). */
  readonly endHour: number;

  /**
   * The time zone the hours are in: an IANA name such as `Europe/Berlin`, so that the window
   * follows daylight saving time.
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/**
 * When a release may start. In a pipeline stage (`deploymentWindow`), CodePipeline V2's
 * `DeploymentWindow` rule in the stage's entry condition: a release that arrives outside the
 * window waits at the stage's entry until it opens (before the stage's approval, when it has
 * one). In a {@link PreflightHook}, a deployment that starts outside a weekly window is refused,
 * saying when it opens: so a `cdk deploy` release keeps the window too.
 *
 * @exampleMetadata fixture=lib
 * @example
 * DeploymentWindow.weekly({ days: [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY],
 *   startHour: 9, endHour: 16, timeZone: 'Europe/Berlin' });
 */
export class DeploymentWindow {
  /**
   * Every week on `days`, from `startHour` to `endHour` in `timeZone`: "not on Fridays",
   * "working hours only".
   */
  public static weekly(options: WeeklyDeploymentWindowOptions): DeploymentWindow {
    const days = options.days ?? WORKING_DAYS;
    const problems = weeklyProblems(options, days);
    const ordered = CRON_DAY_ORDER.filter((day) => days.includes(day));
    const hours = problems.length > 0 ? '*' : `${options.startHour}-${options.endHour - 1}`;
    const described = `${ordered.map(dayName).join(', ') || 'no day'} ${pad(options.startHour)}:00-${pad(options.endHour)}:00 ${options.timeZone ?? 'UTC'}`;
    const weekly: PreflightWindowConfig = {
      days: ordered,
      startHour: options.startHour,
      endHour: options.endHour,
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      description: described,
    };
    return new DeploymentWindow(`* * ${hours} ? * ${ordered.join(',') || '*'} *`, options.timeZone, described, problems, weekly);
  }

  /**
   * A window as CodePipeline's `DeploymentWindow` rule writes it: six fields and an optional
   * year, `seconds minutes hours day-of-month month day-of-week [year]`, the seconds always `*`;
   * e.g. `* * 9-15 ? * MON-THU *`. Checked for its shape here; CodePipeline checks the rest.
   * @param expression the cron expression
   * @param timeZone an IANA time zone name, e.g. `America/New_York`; default UTC
   */
  public static cron(expression: string, timeZone?: string): DeploymentWindow {
    const problems: string[] = [];
    if (Token.isUnresolved(expression)) {
      problems.push('the cron expression is a deploy-time value; give it as a literal, which the pipeline\'s entry condition and its description are written from');
    } else {
      const fields = expression.trim().split(/\s+/);
      if (fields.length < 6 || fields.length > 7) {
        problems.push(`the cron expression '${expression}' has ${fields.length} fields; CodePipeline's has 6 or 7: `
          + 'seconds (always *), minutes, hours, day-of-month, month, day-of-week and an optional year, e.g. \'* * 9-15 ? * MON-THU *\'');
      } else if (fields[0] !== '*') {
        problems.push(`the cron expression '${expression}' has '${fields[0]}' for seconds; CodePipeline allows only '*' there`);
      } else if (fields[3] !== '?' && fields[5] !== '?') {
        problems.push(`the cron expression '${expression}' sets both day-of-month and day-of-week; put '?' in one of them`);
      }
    }
    problems.push(...timeZoneProblems(timeZone));
    return new DeploymentWindow(expression.trim(), timeZone, `cron(${expression.trim()}) ${timeZone ?? 'UTC'}`, problems, undefined);
  }

  /** The rule's `Cron` configuration. */
  public readonly cronExpression: string;
  /** The rule's `TimeZone` configuration; absent for UTC. */
  public readonly timeZone?: string;
  /** What the window is, for people: `Mon, Tue 09:00-16:00 Europe/Berlin`. */
  public readonly description: string;
  /**
   * What is wrong with the window's input; reported by the stage that uses it, with its path.
   * @internal
   */
  public readonly _problems: string[];
  /**
   * The window as the pre-flight hook checks it; only weekly windows have one.
   * @internal
   */
  public readonly _weekly?: PreflightWindowConfig;

  private constructor(cronExpression: string, timeZone: string | undefined, description: string, problems: string[],
    weekly: PreflightWindowConfig | undefined) {
    this.cronExpression = cronExpression;
    this.timeZone = timeZone;
    this.description = description;
    this._problems = problems;
    this._weekly = weekly;
  }
}

function weeklyProblems(options: WeeklyDeploymentWindowOptions, days: readonly Weekday[]): string[] {
  const problems: string[] = [];
  if (days.length === 0) {
    problems.push('the window has no days, so no release would ever enter the stage; list the days, e.g. [Weekday.MONDAY, Weekday.TUESDAY]');
  }
  const repeated = days.filter((day, index) => days.indexOf(day) !== index);
  if (repeated.length > 0) {
    problems.push(`the window lists ${[...new Set(repeated)].map(dayName).join(', ')} more than once; list each day once`);
  }
  const { startHour, endHour } = options;
  if (Token.isUnresolved(startHour) || Token.isUnresolved(endHour)) {
    problems.push('the window\'s hours are deploy-time values; give them as literal whole hours, which the entry condition is written from');
  } else if (!Number.isInteger(startHour) || startHour < 0 || startHour > 23) {
    problems.push(`the window's startHour is ${startHour}; use a whole hour from 0 to 23, e.g. 9 for 09:00`);
  } else if (!Number.isInteger(endHour) || endHour < 1 || endHour > 24) {
    problems.push(`the window's endHour is ${endHour}; use a whole hour from 1 to 24, e.g. 16 for 16:00`);
  } else if (endHour <= startHour) {
    problems.push(`the window closes at ${endHour}:00, before it opens at ${startHour}:00; a window over midnight needs a cron expression `
      + '(DeploymentWindow.cron), or end it at 24');
  }
  problems.push(...timeZoneProblems(options.timeZone));
  return problems;
}

function timeZoneProblems(timeZone: string | undefined): string[] {
  if (timeZone === undefined) {
    return [];
  }
  if (Token.isUnresolved(timeZone)) {
    return ['the time zone is a deploy-time value; give an IANA name as a literal, e.g. \'Europe/Berlin\''];
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return [];
  } catch {
    return [`the time zone '${timeZone}' is not an IANA time zone name; use one such as 'Europe/Berlin' or 'America/New_York'`];
  }
}

function dayName(day: Weekday): string {
  return day.charAt(0) + day.slice(1).toLowerCase();
}

function pad(hour: number): string {
  return String(hour).padStart(2, '0');
}
