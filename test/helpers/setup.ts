import { afterEach, vi } from 'vitest';
import type { Worker } from '../../src/pipeline/worker/worker.js';

/**
 * The leak guard (graphile-worker's `__tests__/helpers.ts` has the same): a test that leaves a
 * `Worker` running fails, and the worker is stopped, so that it cannot claim the next test's jobs.
 * A worker runs from `run()` until the promise it returned settles.
 */
const running = vi.hoisted(() => new Map<Worker, Promise<unknown>>());

// Wraps Worker#run where the module is loaded, so files that never import it do not pay for it.
vi.mock('../../src/pipeline/worker/worker.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/pipeline/worker/worker.js')>();
  const run = mod.Worker.prototype.run;
  mod.Worker.prototype.run = function (this: Worker) {
    const done = run.call(this);
    running.set(this, done);
    done.then(
      () => running.delete(this),
      () => running.delete(this),
    );
    return done;
  };
  return mod;
});

afterEach(async () => {
  if (running.size === 0) return;
  const leaked = [...running];
  for (const [worker] of leaked) worker.stop();
  await Promise.allSettled(leaked.map(([, done]) => done));
  throw new Error(`the test left ${leaked.length} Worker(s) running: stop() each one and await its run()`);
});
