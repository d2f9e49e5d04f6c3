// In-process fan-out: which sessions are connected for each user, presence, and pushing frames to them.

/** What the hub needs of a connection: an identity and a way to hand it an already-serialized frame. */
export interface HubClient {
  readonly userId: number;
  readonly username: string;
  readonly sessionId: number;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

export class Hub {
  private readonly byUser = new Map<number, Set<HubClient>>();

  /** Returns true when this is the user's first connected session (they just came online). */
  add(client: HubClient): boolean {
    let set = this.byUser.get(client.userId);
    const first = !set;
    if (!set) this.byUser.set(client.userId, (set = new Set()));
    set.add(client);
    return first;
  }

  /** Returns true when this was the user's last connected session (they just went offline). */
  remove(client: HubClient): boolean {
    const set = this.byUser.get(client.userId);
    if (!set?.delete(client)) return false;
    if (set.size > 0) return false;
    this.byUser.delete(client.userId);
    return true;
  }

  isOnline(userId: number): boolean {
    return this.byUser.has(userId);
  }

  onlineUsernames(): string[] {
    const names: string[] = [];
    for (const set of this.byUser.values()) {
      const first = set.values().next().value;
      if (first) names.push(first.username);
    }
    return names.sort();
  }

  /** The sessions of the user that have a live connection here. */
  connectedSessions(userId: number): Set<number> {
    return new Set([...(this.byUser.get(userId) ?? [])].map((client) => client.sessionId));
  }

  /** Closes the user's connections whose session ended elsewhere (revoked, password changed); returns how many. */
  closeSessions(userId: number, ended: (sessionId: number) => boolean, code: number, reason: string, except?: HubClient): number {
    let closed = 0;
    for (const client of [...(this.byUser.get(userId) ?? [])]) {
      if (client === except || !ended(client.sessionId)) continue;
      client.close(code, reason);
      closed++;
    }
    return closed;
  }

  /** Returns how many connections the frame was handed to. */
  sendToUser(userId: number, frame: string, except?: HubClient): number {
    const set = this.byUser.get(userId);
    if (!set) return 0;
    let sent = 0;
    for (const client of set) {
      if (client === except) continue;
      client.send(frame);
      sent++;
    }
    return sent;
  }

  /** Every connected session of every user; presence is visible to everyone on the server. */
  broadcast(frame: string, except?: HubClient): void {
    for (const set of this.byUser.values()) for (const client of set) if (client !== except) client.send(frame);
  }

  get connectedUsers(): number {
    return this.byUser.size;
  }
}
