// For the projects with servers: an address a server that is not running would have provided
// throws with that server's cause (test/support/servers/missing.ts).
import { inject } from 'vitest';
import { guardMissing } from '../support/servers/missing.js';

guardMissing(inject('servers'));
