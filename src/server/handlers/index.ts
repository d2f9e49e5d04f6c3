// The handler table: one entry per request type but `send` (delivery/ takes it), checked exhaustive by the compiler.
import type { Handler, HandledType } from '../context.js';
import { addEpoch } from './add-epoch.js';
import { bye } from './bye.js';
import { changeGroup } from './change-group.js';
import { changePassword } from './change-password.js';
import { createGroup } from './create-group.js';
import { groupState } from './group-state.js';
import { readMarks } from './read-marks.js';
import { epochKeys } from './epoch-keys.js';
import { identity } from './identity.js';
import { myKeys } from './my-keys.js';
import { prelogin } from './prelogin.js';
import { conversations } from './conversations.js';
import { hello } from './hello.js';
import { history } from './history.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { logoutEverywhere } from './logout-everywhere.js';
import { lookup } from './lookup.js';
import { online } from './online.js';
import { open } from './open.js';
import { read } from './read.js';
import { register } from './register.js';
import { resetKeys } from './reset-keys.js';
import { putVault, vault } from './vault.js';
import { resume } from './resume.js';
import { revokeSession } from './revoke-session.js';
import { sessions } from './sessions.js';
import { sync } from './sync.js';
import { typing } from './typing.js';

export const handlers: { [T in HandledType]: Handler<T> } = {
  hello,
  register,
  login,
  resume,
  logout,
  bye,
  online,
  lookup,
  sync,
  conversations,
  open,
  history,
  read,
  typing,
  prelogin,
  myKeys,
  identity,
  epochKeys,
  addEpoch,
  changePassword,
  resetKeys,
  vault,
  putVault,
  sessions,
  revokeSession,
  logoutEverywhere,
  createGroup,
  changeGroup,
  groupState,
  readMarks,
};
