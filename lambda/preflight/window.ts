/**
 * Whether a deployment may start now under a weekly deployment window, and when the window next
 * opens: read off the wall clock of the window's time zone, so daylight saving time is followed.
 */
import { PreflightWindowConfig, WINDOW_DAYS } from '../../contract/preflight';

/** What the clock of the window's time zone reads at one instant. */
interface LocalTime {
  readonly day: string;
  readonly hour: number;
  readonly minute: number;
}

export interface WindowVerdict {
  readonly open: boolean;
  /** The local time now, e.g. `Fri 17:05`. */
  readonly now: string;
  /** When the window opens next (closed windows only), within the coming 8 days. */
  readonly nextOpening?: Date;
}

/** Steps of the search for the next opening: a quarter of an hour, the finest zone offset's grain. */
const STEP_MS = 15 * 60 * 1000;
const SEARCH_STEPS = 8 * 24 * 4;

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('weekday').toUpperCase(), hour: Number(part('hour')), minute: Number(part('minute')) };
}

function isOpen(window: PreflightWindowConfig, local: LocalTime): boolean {
  return window.days.includes(local.day) && local.hour >= window.startHour && local.hour < window.endHour;
}

/** Checks `window` at `now`; throws on a window that names an unknown day or time zone. */
export function checkWindow(window: PreflightWindowConfig, now: Date): WindowVerdict {
  const unknown = window.days.filter((day) => !(WINDOW_DAYS as readonly string[]).includes(day));
  if (unknown.length > 0) {
    throw new Error(`the deployment window names unknown days ${unknown.join(', ')}`);
  }
  const timeZone = window.timeZone ?? 'UTC';
  const local = localTime(now, timeZone);
  const shown = `${local.day.charAt(0)}${local.day.slice(1).toLowerCase()} ${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  if (isOpen(window, local)) {
    return { open: true, now: shown };
  }
  const firstStep = Math.floor(now.getTime() / STEP_MS + 1) * STEP_MS;
  for (let step = 0; step < SEARCH_STEPS; step++) {
    const at = new Date(firstStep + step * STEP_MS);
    if (isOpen(window, localTime(at, timeZone))) {
      return { open: false, now: shown, nextOpening: at };
    }
  }
  return { open: false, now: shown };
}
