import { describe, expect, inject, it } from 'vitest';

const servers = inject('servers');

describe('gitea test server', () => {
  it('answers its API with the admin token', async () => {
    const r = await fetch(`${servers.GITEA_URL}/api/v1/user`, { headers: { Authorization: `token ${servers.GITEA_TOKEN}` } });
    expect(r.status).toBe(200);
    expect((await r.json()).login).toBe('gitscale');
  });
});
