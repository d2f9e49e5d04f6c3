// The vault: the user's key verifications, sealed for the user alone, shared by their devices through the
// server. Each device merges what the others pinned and writes back what the vault lacks.
import { ParleyError } from '../errors.js';
import { LIMITS } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { ServerSocket } from './server-socket.js';

/** A `putVault` frame's bytes around the vault text: type, id, version and part, with room to spare. */
const VAULT_FRAME_OVERHEAD = 200;

/** What the user is told when their verifications outgrow the server's vault. */
export const VAULT_TOO_LARGE_NOTICE =
  'You have more verified and accepted contacts than this server keeps for your devices: they stay on this device, and changes made here no longer reach your other devices.';

/**
 * The sealed vault cut into the parts of `putVault` frames under the server's frame limit, in order; null when
 * it is larger than the server keeps (`vaultMaxLength`, undefined for a server that takes one frame only) or
 * needs more parts than it takes. The sealed text is base64url, so characters are bytes.
 */
export function splitVault(sealed: string, maxFrameBytes: number, vaultMaxLength: number | undefined): string[] | null {
  const size = Math.min(LIMITS.vaultPartMaxLength, maxFrameBytes - VAULT_FRAME_OVERHEAD);
  if (sealed.length <= size) return [sealed];
  if (vaultMaxLength === undefined || sealed.length > vaultMaxLength) return null;
  const count = Math.ceil(sealed.length / size);
  if (count > LIMITS.vaultMaxParts) return null;
  return Array.from({ length: count }, (_, i) => sealed.slice(i * size, (i + 1) * size));
}

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
   * and so does a sync asked for while one runs (a vault event) or a pin made meanwhile: a device pinning a
   * large group's members one after the other must not end a pass with its last pins unwritten. Only three
   * conflicts in a row end it: the device writing meanwhile sends a vault event when it is done.
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
      let conflicts = 0;
      while (conflicts < 3) {
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
          this.#tooLarge(false);
          if (!this.#dirty && !this.#again) return;
          continue;
        }
        // A frame past the server's limit would close the connection (1009) on every try: a vault too large
        // for the parts the server takes stays on this device, and the user is told so.
        const parts = splitVault(pins.sealVault(mine), this.#ctx.maxFrameBytes, this.#ctx.vaultMaxLength);
        if (parts === null) {
          this.#tooLarge(true);
          return;
        }
        try {
          await write(conn, parts, stored.version + 1);
          this.#tooLarge(false);
          conflicts = 0;
          if (!this.#dirty && !this.#again) return;
        } catch (error) {
          if (error instanceof ParleyError && error.code === 'VAULT_TOO_LARGE') {
            this.#tooLarge(true);
            return;
          }
          if (!(error instanceof ParleyError && error.code === 'VAULT_CONFLICT')) throw error;
          conflicts++;
        }
      }
    } catch {
      // offline or refused: the next change, login or vault event tries again
    } finally {
      this.#syncing = false;
    }
  }

  #tooLarge(yes: boolean): void {
    const notice = yes ? VAULT_TOO_LARGE_NOTICE : null;
    if (this.#ctx.state.vaultNotice !== notice) this.#ctx.update((s) => ({ ...s, vaultNotice: notice }));
  }
}

/**
 * Writes the vault at `version`: one frame, or its parts sent together (the server takes them in order and
 * stores the whole at the last). Rejects with the first part's refusal: the ones after it only echo it.
 */
async function write(conn: ServerSocket, parts: readonly string[], version: number): Promise<void> {
  if (parts.length === 1) {
    await conn.request('putVault', { vault: parts[0]!, version });
    return;
  }
  const replies = await Promise.allSettled(parts.map((vault, index) => conn.request('putVault', { vault, version, part: { index, count: parts.length } })));
  const refused = replies.find((reply) => reply.status === 'rejected');
  if (refused) throw refused.reason;
}
