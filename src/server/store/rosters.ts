// Who is in each conversation now, and whether it is a group: cached, since every send to a group and every membership check reads it.
import type { Statements } from './statements.js';

export interface Roster {
  readonly group: boolean;
  /** The current members' ids. */
  readonly ids: readonly number[];
  readonly members: ReadonlySet<number>;
}

/**
 * A direct conversation's members never change. A group's change only through the store's membership writes,
 * which forget its roster once they have committed or failed, so the cache is exact. A roster read inside an
 * open transaction may name rows that transaction wrote (a direct conversation a batch created): `read` hands
 * it out without caching it, and the caller keeps it (`remember`) only when it knows the rows are committed.
 */
export class Rosters {
  private readonly cache = new Map<number, Roster>();

  constructor(private readonly stmt: Statements) {}

  /** The conversation's roster, cached; undefined when there is no such conversation. Outside transactions only. */
  of(conversationId: number): Roster | undefined {
    const cached = this.cache.get(conversationId);
    if (cached) return cached;
    const roster = this.read(conversationId);
    if (roster) this.cache.set(conversationId, roster);
    return roster;
  }

  /** The cached roster, or one read now and not cached. */
  read(conversationId: number): Roster | undefined {
    const cached = this.cache.get(conversationId);
    if (cached) return cached;
    const rows = this.stmt.rosterOf.all(conversationId);
    if (rows.length === 0) return undefined;
    const ids = rows.flatMap((row) => (row.user_id === null ? [] : [row.user_id]));
    return { group: rows[0]!.kind === 'group', ids, members: new Set(ids) };
  }

  remember(conversationId: number, roster: Roster): void {
    this.cache.set(conversationId, roster);
  }

  forget(conversationId: number): void {
    this.cache.delete(conversationId);
  }
}
