export interface Started {
  /** Addresses handed to tests via inject('servers'), e.g. { REDIS_URL: 'redis://127.0.0.1:6390' }. */
  env: Record<string, string>;
  stop(): Promise<void>;
}
export type StartServer = () => Promise<Started>;
