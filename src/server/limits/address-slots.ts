// Counts open connections per address so one address cannot exhaust the server's sockets.

export class AddressSlots {
  private readonly open = new Map<string, number>();

  /** @param limit connections one key may hold at once; 0 means no limit. */
  constructor(private readonly limit: number) {}

  /** Takes a slot, or returns false when the key already holds its limit. */
  tryAcquire(key: string): boolean {
    const count = this.open.get(key) ?? 0;
    if (this.limit > 0 && count >= this.limit) return false;
    this.open.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const count = this.open.get(key) ?? 0;
    if (count <= 1) this.open.delete(key);
    else this.open.set(key, count - 1);
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
