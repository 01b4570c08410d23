// One line per event; text for people, JSON for machines (`--log-format json`). Lines below the
// logger's level (`--log-level`) are dropped.

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

function render(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function createLogger(o: LoggerOptions): Logger {
  const min = LEVELS.indexOf(o.level ?? 'info');
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    const time = new Date(o.now()).toISOString();
    if (o.format === 'json') {
      o.write(JSON.stringify({ time, level, msg, ...fields }));
      return;
    }
    const rest = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${render(v)}`).join(' ');
    o.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ' ' + rest : ''}`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
