// A five-field cron expression (minute hour day-of-month month day-of-week) as KEDA's cron trigger
// reads it: robfig/cron v3's parser with Minute | Hour | Dom | Month | Dow (no seconds field, no
// @descriptors; a `TZ=` / `CRON_TZ=` prefix names the expression's own zone), and its `Next`,
// stepped on the wall clock of an IANA zone read through Intl, with Go's time.Date rule for a wall
// time in a DST gap or overlap. Pure.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: [string, Bounds][] = [
  ['minute', { min: 0, max: 59 }],
  ['hour', { min: 0, max: 23 }],
  ['day of month', { min: 1, max: 31 }],
  ['month', { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) }],
  ['day of week', { min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) }],
];

export interface Schedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** The field began with `*` or `?` (and no step > 1): robfig then ANDs the day fields instead of ORing them. */
  domStar: boolean;
  dowStar: boolean;
  /** From a `TZ=` / `CRON_TZ=` prefix: the zone the expression is read in, whatever the trigger's timezone. */
  timezone?: string;
}

export type Parsed = { ok: true; schedule: Schedule } | { ok: false; message: string };

/** Whether `zone` is a time zone Intl knows (IANA names, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

function number(text: string, names: Record<string, number> | undefined): number | string {
  const named = names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^-?\d+$/.test(text)) return `'${text}' is not a number${names ? ` or a name (${Object.keys(names).join(', ')})` : ''}`;
  const n = Number(text);
  return n < 0 ? `negative number (${n}) not allowed` : n;
}

/** One comma-separated part: `*`, `?`, `a`, `a-b`, each with an optional `/step`. */
function range(expr: string, b: Bounds, into: Set<number>): { star: boolean } | string {
  const [span, stepText, ...moreSlashes] = expr.split('/');
  if (moreSlashes.length) return `too many slashes in '${expr}'`;
  if (span.startsWith('-')) return `negative number (${span}) not allowed`;
  const ends = span.split('-');
  let star = false;
  let start: number;
  let end: number;
  if (ends[0] === '*' || ends[0] === '?') {
    if (ends.length > 1) return `'${expr}': a range cannot start with ${ends[0]}`;
    [start, end, star] = [b.min, b.max, true];
  } else {
    if (ends.length > 2) return `too many hyphens in '${expr}'`;
    const s = number(ends[0], b.names);
    const e = ends.length === 2 ? number(ends[1], b.names) : s;
    if (typeof s === 'string') return s;
    if (typeof e === 'string') return e;
    [start, end] = [s, e];
  }
  let step = 1;
  if (stepText !== undefined) {
    const s = number(stepText, undefined);
    if (typeof s === 'string') return s;
    step = s;
    // "N/step" means N through the maximum; a step above 1 is not "every" any more.
    if (ends.length === 1 && !star) end = b.max;
    if (step > 1) star = false;
  }
  if (start < b.min) return `${start} is below the minimum (${b.min})`;
  if (end > b.max) return `${end} is above the maximum (${b.max})`;
  if (start > end) return `the range ${start}-${end} runs backwards`;
  if (step === 0) return `the step of '${expr}' must be a positive number`;
  for (let v = start; v <= end; v += step) into.add(v);
  return { star };
}

/** Parses a five-field expression as robfig/cron v3 does with KEDA's options. */
export function parseCron(spec: string): Parsed {
  let text = spec.trim();
  let timezone: string | undefined;
  if (text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) {
    const space = text.search(/\s/);
    const zone = text.slice(text.indexOf('=') + 1, space < 0 ? undefined : space);
    if (!isTimeZone(zone)) return { ok: false, message: `unknown time zone '${zone}' in its ${text.slice(0, text.indexOf('='))}= prefix` };
    timezone = zone;
    text = space < 0 ? '' : text.slice(space).trim();
  }
  if (text.startsWith('@'))
    return {
      ok: false,
      message: `descriptors such as ${text.split(/\s/)[0]} are not accepted: write five fields (minute hour day-of-month month day-of-week)`,
    };
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5)
    return { ok: false, message: `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}` };
  const sets = FIELDS.map(() => new Set<number>());
  const stars: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    let star = false;
    for (const part of fields[i].split(',')) {
      const r = range(part, FIELDS[i][1], sets[i]);
      if (typeof r === 'string') return { ok: false, message: `${FIELDS[i][0]} field '${fields[i]}': ${r}` };
      star ||= r.star;
    }
    stars.push(star);
  }
  const [minute, hour, dom, month, dow] = sets;
  return { ok: true, schedule: { minute, hour, dom, month, dow, domStar: stars[2], dowStar: stars[4], ...(timezone ? { timezone } : {}) } };
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `zone` at instant `ms` (whole seconds). */
function wallAt(ms: number, zone: string): Wall {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

const wallMs = (w: Wall) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
const offsetAt = (ms: number, zone: string) => wallMs(wallAt(ms, zone)) - (ms - (((ms % 1000) + 1000) % 1000));

/** Go's time.Date(y, mo, d, h, mi, s, 0, zone): out-of-range fields normalised; a wall time in a gap or overlap resolved as Go does. */
function date(y: number, mo: number, d: number, h: number, mi: number, s: number, zone: string): number {
  const unix = Date.UTC(y, mo - 1, d, h, mi, s);
  const guess = offsetAt(unix, zone);
  return guess === 0 ? unix : unix - offsetAt(unix - guess, zone);
}

function dayMatches(s: Schedule, w: Wall): boolean {
  const domMatch = s.dom.has(w.d);
  const dowMatch = s.dow.has(new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay());
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
}

/**
 * The first time after `nowMs` (strictly; from the next whole second) the schedule fires, read in
 * its own zone or `zone`; null when nothing matches within five years (e.g. February 30th).
 */
export function nextAfter(s: Schedule, nowMs: number, zone: string): number | null {
  const tz = s.timezone ?? zone;
  let t = Math.floor(nowMs / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = wallAt(t, tz).y + 5;
  wrap: for (;;) {
    let w = wallAt(t, tz);
    if (w.y > yearLimit) return null;
    while (!s.month.has(w.mo)) {
      if (!added) {
        added = true;
        t = date(w.y, w.mo, 1, 0, 0, 0, tz);
        w = wallAt(t, tz);
      }
      t = date(w.y, w.mo + 1, w.d, w.h, w.mi, w.s, tz);
      w = wallAt(t, tz);
      if (w.mo === 1) continue wrap;
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true;
        t = date(w.y, w.mo, w.d, 0, 0, 0, tz);
        w = wallAt(t, tz);
      }
      t = date(w.y, w.mo, w.d + 1, w.h, w.mi, w.s, tz);
      w = wallAt(t, tz);
      // A DST change moved midnight: back to it (an hour added if it is 23:00, taken if 01:00).
      if (w.h !== 0) {
        t += (w.h > 12 ? 24 - w.h : -w.h) * 3_600_000;
        w = wallAt(t, tz);
      }
      if (w.d === 1) continue wrap;
    }
    while (!s.hour.has(w.h)) {
      if (!added) {
        added = true;
        t = date(w.y, w.mo, w.d, w.h, 0, 0, tz);
      }
      t += 3_600_000;
      w = wallAt(t, tz);
      if (w.h === 0) continue wrap;
    }
    while (!s.minute.has(w.mi)) {
      if (!added) {
        added = true;
        t -= ((t % 60_000) + 60_000) % 60_000;
      }
      t += 60_000;
      w = wallAt(t, tz);
      if (w.mi === 0) continue wrap;
    }
    // Seconds: always 0 with five fields.
    while (w.s !== 0) {
      if (!added) {
        added = true;
        t -= ((t % 1000) + 1000) % 1000;
      }
      t += 1000;
      w = wallAt(t, tz);
      if (w.s === 0) continue wrap;
    }
    return t;
  }
}
