// When some test server is not running (it failed to start, or GITSCALE_TEST_SERVERS left it out),
// asking `servers` for an address it does not hold throws, naming every server that is not running
// and why, instead of handing the test `undefined` (test/setup/servers.ts applies it).

/** The key of `servers` that lists the servers not running, with why (written by test/global-setup.ts). */
export const MISSING_KEY = 'GITSCALE_TEST_SERVERS_MISSING';

const ENV_LIKE = /^[A-Z][A-Z0-9_]*$/;

export function guardMissing(servers: Record<string, string> | undefined): void {
  const missing = servers?.[MISSING_KEY];
  if (!servers || !missing) return;
  const why = Object.values(JSON.parse(missing) as Record<string, string>).join('; ');
  Object.setPrototypeOf(
    servers,
    new Proxy(Object.prototype, {
      get(target, key, receiver) {
        if (typeof key === 'string' && ENV_LIKE.test(key)) throw new Error(`no test server provides ${key}: ${why}`);
        return Reflect.get(target, key, receiver);
      },
    }),
  );
}
