// The web client's HTTP side in one list: the account API, then the built client's static files.
import type { Services } from '../context.js';
import { accountApi } from './account-api.js';
import type { HttpHandler } from './routes.js';
import { staticFiles } from './static.js';

interface WebRoutesOptions {
  services: Services;
  endSession(sessionId: number): void;
}

export function webRoutes(options: WebRoutesOptions): HttpHandler[] {
  return [accountApi(options), staticFiles({ root: options.services.config.webDir })];
}
