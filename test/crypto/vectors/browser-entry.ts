// Browser bundle entry for the vector test: exposes checkVectors on globalThis so Chromium can run it on the frozen vectors.
import { checkVectors } from './check-vectors.js';

(globalThis as unknown as { parleyCheckVectors: typeof checkVectors }).parleyCheckVectors = checkVectors;
