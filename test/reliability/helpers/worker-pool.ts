import { type RunningCli, startCli } from '../../helpers/cli.js';

/**
 * A supervisor for `pipectl process` children, as systemd or Kubernetes would be: it starts
 * them, kills or stops them, restarts them, and keeps the output of every child that ever ran
 * (for diagnostics, and for the secret scan).
 */
export class WorkerPool {
  readonly #slots: RunningCli[] = [];
  readonly #retired: RunningCli[] = [];
  /** Children started in all, restarts included. */
  started = 0;

  constructor(
    private readonly args: readonly string[],
    private readonly env: Record<string, string | undefined>,
  ) {}

  /** Starts `count` workers. */
  start(count: number): void {
    for (let i = 0; i < count; i++) this.#slots.push(this.#spawn());
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The pid of slot i. */
  pid(i: number): number | undefined {
    return this.#slots[i]?.child.pid;
  }

  /** Sends a signal to slot i without replacing it (SIGSTOP, SIGCONT). */
  signal(i: number, signal: NodeJS.Signals): void {
    this.#slots[i]?.child.kill(signal);
  }

  /** kill -9 of slot i, then a new worker in its place, as a supervisor restarts a crashed one. */
  async killAndRestart(i: number): Promise<void> {
    const victim = this.#slots[i];
    if (victim === undefined) throw new Error(`no worker in slot ${i}`);
    victim.child.kill('SIGKILL');
    await victim.exited;
    this.#retired.push(victim);
    this.#slots[i] = this.#spawn();
  }

  /** SIGTERM to every worker; waits for them (SIGKILL after `graceMs`). Returns their exit codes. */
  async stopAll(graceMs = 30_000): Promise<(number | null)[]> {
    const running = this.#slots.splice(0);
    this.#retired.push(...running);
    return Promise.all(
      running.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return w.child.exitCode;
        w.child.kill('SIGCONT');
        w.child.kill('SIGTERM');
        const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
        const { code } = await w.exited;
        clearTimeout(timer);
        return code;
      }),
    );
  }

  /** Kills whatever is still running (for afterEach: a test must not leave a worker behind). */
  async killAll(): Promise<void> {
    const running = this.#slots.splice(0);
    this.#retired.push(...running);
    await Promise.all(
      running.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        w.child.kill('SIGKILL');
        await w.exited;
      }),
    );
  }

  /** Everything every child wrote, stdout and stderr. */
  output(): string {
    return [...this.#retired, ...this.#slots].map((w) => w.output()).join('\n');
  }

  /** Log lines at warn level or above from every child (JSON logs), for a failure message. */
  problems(limit = 40): string {
    const lines = this.output()
      .split('\n')
      .filter((l) => /"level":(4|5|6)\d/.test(l) || (l !== '' && !l.startsWith('{')));
    return lines.slice(-limit).join('\n');
  }

  #spawn(): RunningCli {
    this.started++;
    return startCli(['process', ...this.args], this.env);
  }
}
