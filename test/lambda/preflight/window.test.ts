import { PreflightWindowConfig } from '../../../contract/preflight';
import { checkWindow } from '../../../lambda/preflight/window';

const MON_TO_THU: PreflightWindowConfig = {
  days: ['MON', 'TUE', 'WED', 'THU'], startHour: 9, endHour: 16, timeZone: 'Europe/Dublin', description: 'Mon, Tue, Wed, Thu 09:00-16:00 Europe/Dublin',
};

describe('checkWindow', () => {
  test('open inside the window, by the clock of its time zone (winter: Dublin is UTC)', () => {
    expect(checkWindow(MON_TO_THU, new Date('2026-12-03T09:00:00Z'))).toEqual({ open: true, now: 'Thu 09:00' });
    expect(checkWindow(MON_TO_THU, new Date('2026-12-03T15:59:00Z'))).toEqual({ open: true, now: 'Thu 15:59' });
  });

  test('closed at the hour it closes, on a Friday, naming the next opening on Monday', () => {
    expect(checkWindow(MON_TO_THU, new Date('2026-12-03T16:00:00Z'))).toEqual({
      open: false, now: 'Thu 16:00', nextOpening: new Date('2026-12-07T09:00:00Z'),
    });
    expect(checkWindow(MON_TO_THU, new Date('2026-12-04T10:30:00Z'))).toMatchObject({ open: false, now: 'Fri 10:30' });
  });

  test('follows daylight saving time: in summer 09:00 in Dublin is 08:00 UTC', () => {
    expect(checkWindow(MON_TO_THU, new Date('2026-07-06T08:00:00Z'))).toEqual({ open: true, now: 'Mon 09:00' });
    expect(checkWindow(MON_TO_THU, new Date('2026-07-06T07:59:00Z'))).toEqual({
      open: false, now: 'Mon 08:59', nextOpening: new Date('2026-07-06T08:00:00Z'),
    });
  });

  test('finds openings in zones a quarter of an hour off UTC', () => {
    const kathmandu = { ...MON_TO_THU, timeZone: 'Asia/Kathmandu' };
    // 2026-12-03 is a Thursday; 16:00 in Kathmandu (UTC+5:45) closes it until Monday 09:00 = 03:15 UTC.
    expect(checkWindow(kathmandu, new Date('2026-12-03T10:15:00Z'))).toMatchObject({
      open: false, now: 'Thu 16:00', nextOpening: new Date('2026-12-07T03:15:00Z'),
    });
  });

  test('UTC without a time zone, and until midnight with endHour 24', () => {
    const allDay: PreflightWindowConfig = { days: ['SAT'], startHour: 0, endHour: 24, description: 'Sat 00:00-24:00 UTC' };
    expect(checkWindow(allDay, new Date('2026-12-05T23:59:00Z')).open).toBe(true);
    expect(checkWindow(allDay, new Date('2026-12-06T00:00:00Z')).nextOpening).toEqual(new Date('2026-12-12T00:00:00Z'));
  });

  test('refuses unknown days and time zones rather than guess', () => {
    expect(() => checkWindow({ ...MON_TO_THU, days: ['MONDAY'] }, new Date())).toThrow('unknown days MONDAY');
    expect(() => checkWindow({ ...MON_TO_THU, timeZone: 'Mars/Olympus' }, new Date())).toThrow();
  });
});
