// Every test file removes the temporary directories it made (test/support/temp.ts). Registered
// here first, this afterAll runs last, after the file's own hooks have closed what uses them.
import { afterAll } from 'vitest';
import { removeTempDirs } from '../support/temp.js';

afterAll(removeTempDirs);
