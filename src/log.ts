// One line per event through pino; JSON for machines (`--log-format json`), text for people. Lines
// below the logger's level (`--log-level`) are dropped. Fields that carry secrets by their name
// (password, token, authParams, an Authorization header …, at the top or one level down) are
// redacted by path before anything is written, whatever the format: a secret that slipped into a
// log call is still never printed.
import { pino } from 'pino';

export type Fields = Record<string, unknown>;

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  format: 'text' | 'json';
  /** The lowest level written (default info). */
  level?: Level;
  write: (line: string) => void;
  now: () => number;
}

/** Field names whose values are secrets wherever they appear (top level or one level down). */
export const SECRET_FIELDS = [
  'password',
  'passwd',
  'token',
  'secret',
  'apiKey',
  'authorization',
  'privateKey',
  'accessToken',
  'sessionToken',
  'secretAccessKey',
  'awsSecretAccessKey',
  'connectionString',
  'bearerToken',
  'authParams',
  'cookie',
] as const;

export const REDACTED = '[redacted]';

const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((k) => `*.${k}`), 'headers.authorization', '*.headers.authorization'];

function render(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** pino's JSON line as a person reads it: `time LEVEL msg key=value …`, fields in the order given. */
function asText(line: string): string {
  const { time, level, msg, ...rest } = JSON.parse(line) as Fields & { time: string; level: string; msg: string };
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${render(v)}`)
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg}${fields ? ' ' + fields : ''}`;
}

export function createLogger(o: LoggerOptions): Logger {
  const out = o.format === 'json' ? (line: string) => o.write(line.trimEnd()) : (line: string) => o.write(asText(line));
  const p = pino(
    {
      level: o.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date(o.now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    { write: out },
  );
  // Fields first, then the message: pino's (object, message) order.
  const emit =
    (level: Level) =>
    (msg: string, fields: Fields = {}) =>
      p[level](fields, msg);
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
