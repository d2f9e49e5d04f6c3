// bye: the user is leaving (the terminal client's !exit); the session is kept for next time.
import { CLOSE_CODES } from '../../shared/protocol.js';
import type { Handler } from '../context.js';

export const bye: Handler<'bye'> = {
  needsSession: false,
  async handle(_request, { conn }) {
    conn.closeAfterReply(CLOSE_CODES.normal, 'bye');
    return {};
  },
};
