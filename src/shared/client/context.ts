// What the parts of one ParleyClient share: its options, the snapshot, the open socket, the unlocked keys.
import { ParleyError } from '../errors.js';
import { LIMITS } from '../protocol.js';
import type { Keyring } from './keyring.js';
import { resolveOptions, type ParleyClientOptions, type ResolvedOptions } from './options.js';
import type { ServerSocket } from './server-socket.js';
import { initialState, type ClientState, type Session } from './state.js';
import { StateStore } from './state-store.js';

/** `ws://host:port/ws` → `host:port`: one server, whichever path or scheme reaches it. */
function addressOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Any failure as the ParleyError the SDK promises its callers. */
export const asParleyError = (error: unknown): ParleyError =>
  error instanceof ParleyError ? error : new ParleyError('INTERNAL', 'Something went wrong in the client.', { cause: error });

export class ClientContext {
  readonly options: ResolvedOptions;
  /** The snapshot UIs render. */
  readonly store = new StateStore<ClientState>(initialState({ bodyMaxLength: LIMITS.bodyMaxLength, passwordMinLength: LIMITS.passwordMinLength }));
  /** The server's host and port: what realm ids, key derivation versions and generations are remembered by. */
  readonly address: string;
  /** The open socket, or null between sockets. */
  socket: ServerSocket | null = null;
  /** The socket that is authenticated and caught up; only it drains the outbox and syncs the vault. */
  ready: ServerSocket | null = null;
  /** The unlocked end-to-end keys of the signed-in user; null while signed out or locked. */
  keyring: Keyring | null = null;
  /** The realm id from the last hello; checked against the pinned one before every use of the password. */
  realm: string | undefined;
  /** The server database's generation, from hello. */
  generation: string | undefined;
  /** The server's largest frame, from hello: what one request may hold. */
  maxFrameBytes: number = LIMITS.maxFrameBytes;
  /** The largest vault the server keeps, written in parts; undefined for a server that takes a vault in one frame only. */
  vaultMaxLength: number | undefined;

  constructor(options: ParleyClientOptions) {
    this.options = resolveOptions(options);
    this.address = addressOf(options.url);
  }

  get state(): ClientState {
    return this.store.getSnapshot();
  }

  update(change: (state: ClientState) => ClientState): void {
    this.store.update(change);
  }

  requireSocket(): ServerSocket {
    const socket = this.socket;
    if (!socket?.isOpen) throw new ParleyError('DISCONNECTED', 'Not connected to the server right now.');
    return socket;
  }

  requireSession(): Session {
    const session = this.state.session;
    if (!session) throw new ParleyError('NOT_AUTHENTICATED');
    return session;
  }

  requireKeys(): Keyring {
    if (!this.keyring) throw new ParleyError('LOCKED');
    return this.keyring;
  }

  /** The device label for register, login and resume. */
  device(): { device?: string } {
    return this.options.device ? { device: this.options.device } : {};
  }
}
