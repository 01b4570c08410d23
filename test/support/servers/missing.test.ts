// A test asking for the address of a server that is not running fails naming why; the addresses
// of the running ones, and everything else an object answers, are untouched.
import { describe, expect, it } from 'vitest';
import { MISSING_KEY, guardMissing } from './missing.js';

describe('guardMissing', () => {
  it('throws for an address no running server provides, naming the servers not running and why', () => {
    const servers: Record<string, string> = {
      GIT_ROOT: '/srv/git',
      [MISSING_KEY]: JSON.stringify({ rabbitmq: "test server 'rabbitmq' failed to start: eaddrinuse" }),
    };
    guardMissing(servers);
    expect(servers.GIT_ROOT).toBe('/srv/git');
    expect(() => servers.RABBITMQ_AMQP_ADDRESS).toThrow(
      "no test server provides RABBITMQ_AMQP_ADDRESS: test server 'rabbitmq' failed to start: eaddrinuse",
    );
    expect(Object.keys(servers)).toEqual(['GIT_ROOT', MISSING_KEY]);
    expect(JSON.stringify({ ...servers })).toContain('/srv/git');
    expect(String(servers.toString)).toContain('function');
  });

  it('leaves servers alone when every server runs', () => {
    const servers: Record<string, string> = { GIT_ROOT: '/srv/git' };
    guardMissing(servers);
    expect(servers.RABBITMQ_AMQP_ADDRESS).toBeUndefined();
  });
});
