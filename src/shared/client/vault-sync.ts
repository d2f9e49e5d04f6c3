// The vault: the user's key verifications, sealed for the user alone, shared by their devices through the
// server. Each device merges what the others pinned and writes back what the vault lacks.
import { ParleyError } from '../errors.js';
import { LIMITS } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { ServerSocket } from './server-socket.js';

/** The `putVault` frame's bytes around the vault text: type, id and version. */
const VAULT_FRAME_OVERHEAD = 100;

export class VaultSync {
  readonly #ctx: ClientContext;
  #syncing = false;
  /** The pins changed since the vault was last read. */
  #dirty = false;
  /** A sync was asked for (a vault event: another device wrote) while one was running: read the vault again. */
  #again = false;

  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** The pins changed on this device: write them to the vault (once the session is caught up). */
  changed(): void {
    this.#dirty = true;
    if (this.#ctx.ready) void this.sync(this.#ctx.ready);
  }

  /**
   * Reads the vault, merges what the user's other devices pinned, and writes the merge back when this device
   * knows something the vault lacks. One at a time; a conflict (another device wrote meanwhile) starts over,
   * and so does a sync asked for while one runs (a vault event).
   * A vault that does not open (not the user's, or a key version the user no longer has) is replaced.
   */
  async sync(conn: ServerSocket): Promise<void> {
    if (this.#syncing) {
      // The running pass may have read the vault before that write: it reads it once more before it ends.
      this.#again = true;
      return;
    }
    this.#syncing = true;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const pins = this.#ctx.keyring?.pins;
        if (!pins || !conn.isOpen) return;
        this.#dirty = false;
        this.#again = false;
        const stored = await conn.request('vault', {});
        let remote: string | undefined;
        if (stored.vault !== null) {
          const opened = pins.openVault(stored.vault);
          if (opened !== undefined) {
            pins.mergeVault(opened);
            remote = opened;
          }
        }
        const mine = pins.vaultText();
        if (mine === remote || (stored.vault === null && mine === pins.emptyVaultText())) {
          if (!this.#dirty && !this.#again) return;
          continue;
        }
        const sealed = pins.sealVault(mine);
        // A vault past one frame (a few hundred pinned contacts, e.g. a large group's members) would close the
        // connection (1009) on every try: it stays on this device until the vault can be written in parts.
        if (sealed.length + VAULT_FRAME_OVERHEAD > LIMITS.maxFrameBytes) return;
        try {
          await conn.request('putVault', { vault: sealed, version: stored.version + 1 });
          if (!this.#dirty && !this.#again) return;
        } catch (error) {
          if (!(error instanceof ParleyError && error.code === 'VAULT_CONFLICT')) throw error;
        }
      }
    } catch {
      // offline or refused: the next change, login or vault event tries again
    } finally {
      this.#syncing = false;
    }
  }
}
