// createGroup: not served yet (issue 16, groups).
import { ParleyError } from '../../shared/errors.js';
import type { Handler } from '../context.js';

export const createGroup: Handler<'createGroup'> = {
  needsSession: true,
  handle() {
    return Promise.reject(new ParleyError('INTERNAL', 'Groups are not served yet.'));
  },
};
