import { type RunningCli, startCli } from '../../helpers/cli.js';

/** One `pipectl process` child, with when it was spawned and when it registered. */
interface Worker {
  cli: RunningCli;
  /** Date.now() at spawn. */
  spawnedAt: number;
  /** Date.now() of its `worker started` log line (it registered), once seen. */
  registeredAt?: number;
  /** Its worker id, from the same line. */
  workerId?: string;
  killed?: 'before-registration' | 'working';
}

/** What the pool saw of its workers' start-up and deaths. */
export interface PoolStartups {
  /** Spawn → registration, ms, of every worker that registered. */
  startupMs: number[];
  /** Workers killed (kill -9) before they registered. */
  killedBeforeRegistration: number;
  /** Workers killed in all. */
  killed: number;
  /** Workers that never registered, whatever became of them. */
  neverRegistered: number;
}

/**
 * A supervisor for `pipectl process` children, as systemd or Kubernetes would be: it starts
 * them, kills or stops them, restarts them, and keeps the output of every child that ever ran
 * (for diagnostics, and for the secret scan). It reads each child's `worker started` line, so
 * that a scenario can kill workers that are working rather than ones still starting up.
 */
export class WorkerPool {
  readonly #slots: Worker[] = [];
  readonly #retired: Worker[] = [];
  /** Children started in all, restarts included. */
  started = 0;

  /**
   * @param onSpawn called with each child's pid as soon as it is spawned (to put it in a cgroup).
   */
  constructor(
    private readonly args: readonly string[],
    private readonly env: Record<string, string | undefined>,
    private readonly onSpawn?: (pid: number) => void,
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
    return this.#slots[i]?.cli.child.pid;
  }

  /** Pids of the workers running now. */
  livePids(): number[] {
    return this.#slots.filter((w) => !exited(w)).map((w) => w.cli.child.pid ?? 0);
  }

  /** Sends a signal to slot i without replacing it (SIGSTOP, SIGCONT). */
  signal(i: number, signal: NodeJS.Signals): void {
    this.#slots[i]?.cli.child.kill(signal);
  }

  /**
   * Waits until slot i's worker has been registered for `workedMs`. Resolves 'worked', or
   * 'exited' if it died first, or 'timeout' if it has not registered `timeoutMs` after spawn.
   */
  async registered(i: number, workedMs = 0, timeoutMs = 60_000): Promise<'worked' | 'exited' | 'timeout'> {
    const w = this.#slots[i];
    if (w === undefined) throw new Error(`no worker in slot ${i}`);
    for (;;) {
      if (exited(w)) return 'exited';
      const at = registeredAt(w);
      if (at === undefined && Date.now() > w.spawnedAt + timeoutMs) return 'timeout';
      if (at !== undefined && Date.now() >= at + workedMs) return 'worked';
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Slot i's worker id, once it has registered. */
  workerId(i: number): string | undefined {
    const w = this.#slots[i];
    if (w === undefined) return undefined;
    registeredAt(w);
    return w.workerId;
  }

  /** Milliseconds since slot i's worker was spawned. */
  age(i: number): number {
    const w = this.#slots[i];
    return w === undefined ? 0 : Date.now() - w.spawnedAt;
  }

  /** kill -9 of slot i, then a new worker in its place, as a supervisor restarts a crashed one. */
  async killAndRestart(i: number): Promise<void> {
    const victim = this.#slots[i];
    if (victim === undefined) throw new Error(`no worker in slot ${i}`);
    victim.killed = registeredAt(victim) === undefined ? 'before-registration' : 'working';
    victim.cli.child.kill('SIGKILL');
    await victim.cli.exited;
    this.#retired.push(victim);
    this.#slots[i] = this.#spawn();
  }

  /** SIGTERM to every worker; waits for them (SIGKILL after `graceMs`). Returns their exit codes. */
  async stopAll(graceMs = 30_000): Promise<(number | null)[]> {
    const running = this.#slots.splice(0);
    this.#retired.push(...running);
    return Promise.all(
      running.map(async (w) => {
        if (exited(w)) return w.cli.child.exitCode;
        w.cli.child.kill('SIGCONT');
        w.cli.child.kill('SIGTERM');
        const timer = setTimeout(() => w.cli.child.kill('SIGKILL'), graceMs);
        const { code } = await w.cli.exited;
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
        if (exited(w)) return;
        w.cli.child.kill('SIGKILL');
        await w.cli.exited;
      }),
    );
  }

  /** Start-up times and deaths of every worker so far. */
  startups(): PoolStartups {
    const all = [...this.#retired, ...this.#slots];
    const startupMs: number[] = [];
    for (const w of all) {
      const at = registeredAt(w);
      if (at !== undefined) startupMs.push(at - w.spawnedAt);
    }
    return {
      startupMs,
      killedBeforeRegistration: all.filter((w) => w.killed === 'before-registration').length,
      killed: all.filter((w) => w.killed !== undefined).length,
      neverRegistered: all.length - startupMs.length,
    };
  }

  /** Everything every child wrote, stdout and stderr. */
  output(): string {
    return [...this.#retired, ...this.#slots].map((w) => w.cli.output()).join('\n');
  }

  /** Log lines at warn level or above from every child (JSON logs), for a failure message. */
  problems(limit = 40): string {
    const lines = this.output()
      .split('\n')
      .filter((l) => /"level":(4|5|6)\d/.test(l) || (l !== '' && !l.startsWith('{')));
    return lines.slice(-limit).join('\n');
  }

  #spawn(): Worker {
    this.started++;
    const cli = startCli(['process', ...this.args], this.env);
    if (cli.child.pid !== undefined) this.onSpawn?.(cli.child.pid);
    return { cli, spawnedAt: Date.now() };
  }
}

function exited(w: Worker): boolean {
  return w.cli.child.exitCode !== null || w.cli.child.signalCode !== null;
}

/** When the worker logged `worker started` (JSON log `time`), read once from its output. */
function registeredAt(w: Worker): number | undefined {
  if (w.registeredAt === undefined) {
    const line = w.cli
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"worker started"'));
    if (line !== undefined) {
      const parsed = JSON.parse(line) as { time: number; workerId: string };
      w.registeredAt = parsed.time;
      w.workerId = parsed.workerId;
    }
  }
  return w.registeredAt;
}
