// The SDK's snapshot container: immutable snapshots plus subscribe, the shape React's useSyncExternalStore wants.
// (Not the server's persistence Store: this holds only what a client draws.)

type Listener = () => void;

export class StateStore<T> {
  #state: T;
  readonly #listeners = new Set<Listener>();

  constructor(initial: T) {
    this.#state = initial;
  }

  getSnapshot = (): T => this.#state;

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  /** Replaces the snapshot when `change` returns a new object; listeners run only on a real change. */
  update(change: (state: T) => T): void {
    const next = change(this.#state);
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of [...this.#listeners]) listener();
  }
}
