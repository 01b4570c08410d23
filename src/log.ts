// One line per event; text for people, JSON for machines (`--log-format json`).

export type Fields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  format: 'text' | 'json';
  write: (line: string) => void;
  now: () => number;
}

function render(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function createLogger(o: LoggerOptions): Logger {
  const emit = (level: string) => (msg: string, fields: Fields = {}) => {
    const time = new Date(o.now()).toISOString();
    if (o.format === 'json') {
      o.write(JSON.stringify({ time, level, msg, ...fields }));
      return;
    }
    const rest = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${render(v)}`).join(' ');
    o.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ' ' + rest : ''}`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
