/**
 * Change Calendar content (iCalendar, as lib/hooks/change-calendar.ts writes it): adding a
 * CLOSED period, and ending the ones running now.
 */

/** iCalendar UTC time: `20261220T000000Z`. */
export function icsTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** `20261220T000000Z` or `20261220` (a whole day, UTC) → a Date; undefined for a local time (TZID, floating). */
function parseIcsTime(value: string): Date | undefined {
  const utc = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (utc) {
    return new Date(Date.UTC(+utc[1], +utc[2] - 1, +utc[3], +utc[4], +utc[5], +utc[6]));
  }
  const day = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  return day ? new Date(Date.UTC(+day[1], +day[2] - 1, +day[3])) : undefined;
}

function lines(content: string): string[] {
  // Unfold continuation lines (RFC 5545: a line starting with a space continues the previous one).
  return content.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
}

/** Adds a CLOSED event from `start` to `end` with `reason` as its summary. */
export function addFreeze(content: string, freeze: { start: Date; end: Date; reason: string; uid: string }): string {
  const all = lines(content);
  const end = all.lastIndexOf('END:VCALENDAR');
  if (end < 0) {
    throw new Error('the calendar has no END:VCALENDAR line: it is not an iCalendar document');
  }
  const event = [
    'BEGIN:VEVENT',
    `UID:${freeze.uid}`,
    `DTSTAMP:${icsTime(freeze.start)}`,
    `DTSTART:${icsTime(freeze.start)}`,
    `DTEND:${icsTime(freeze.end)}`,
    `SUMMARY:${freeze.reason.replace(/[\\;,]/g, (c) => `\\${c}`)}`,
    'END:VEVENT',
  ];
  const result = [...all.slice(0, end), ...event, ...all.slice(end)];
  return result.join('\r\n').replace(/(\r\n)*$/, '\r\n');
}

/** The calendar with every event running at `now` ended at `now`, and what was ended. */
export function endFreezes(content: string, now: Date): { content: string; ended: string[]; localTimeEvents: string[] } {
  const all = lines(content);
  const ended: string[] = [];
  const localTimeEvents: string[] = [];
  let begin = -1;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === 'BEGIN:VEVENT') {
      begin = i;
    } else if (all[i] === 'END:VEVENT' && begin >= 0) {
      const event = all.slice(begin, i);
      const field = (name: string) => event.findIndex((line) => line.startsWith(`${name}:`) || line.startsWith(`${name};`));
      const startAt = field('DTSTART');
      const endAt = field('DTEND');
      const summary = event.find((line) => line.startsWith('SUMMARY'))?.replace(/^SUMMARY[^:]*:/, '').replace(/\\(.)/g, '$1') ?? '(no summary)';
      const start = startAt >= 0 ? parseIcsTime(event[startAt].replace(/^[^:]*:/, '')) : undefined;
      const end = endAt >= 0 ? parseIcsTime(event[endAt].replace(/^[^:]*:/, '')) : undefined;
      if (event.some((line) => line.startsWith('RRULE'))) {
        localTimeEvents.push(`${summary} (repeats)`);
      } else if (!start || !end) {
        localTimeEvents.push(summary);
      } else if (start.getTime() <= now.getTime() && now.getTime() < end.getTime()) {
        all[begin + endAt] = `DTEND:${icsTime(now)}`;
        ended.push(summary);
      }
      begin = -1;
    }
  }
  return { content: all.join('\r\n'), ended, localTimeEvents };
}
