/**
 * Tells a worker when its own heartbeat is late: more than twice the interval since the last
 * one that succeeded. A late heartbeat is the early sign of a lease about to expire under a
 * running job (a blocked event loop, a starved CPU, a slow database), so the worker says so
 * once per episode, while it is still alive to say what it was doing; the episode ends with the
 * next heartbeat that comes on time.
 */
export class HeartbeatClock {
  #last: number;
  #warned = false;

  constructor(
    readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#last = now();
  }

  /** Milliseconds since the last successful heartbeat (or the start). */
  sinceLast(): number {
    return this.now() - this.#last;
  }

  /** Whether a heartbeat due now is late and not yet warned about; marks the episode warned. */
  lateAndUnwarned(): boolean {
    if (this.#warned || this.sinceLast() <= 2 * this.intervalMs) return false;
    this.#warned = true;
    return true;
  }

  /** Records a successful heartbeat; one on time ends a late episode. */
  beat(): void {
    const onTime = this.sinceLast() <= 2 * this.intervalMs;
    this.#last = this.now();
    if (onTime) this.#warned = false;
  }
}
