// Set-up file of every test file (vitest.config.ts): temporary folders go when the file is done.
// Hooks run in stack order, so this runs after the file's own afterAll hooks have closed its servers.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp.js';

afterAll(() => removeTempDirs());
