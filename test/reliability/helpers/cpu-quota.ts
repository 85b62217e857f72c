import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A cgroup with a CPU quota, for processes the scenario puts in it (not PostgreSQL, not vitest). */
export interface CpuQuota {
  readonly cores: number;
  readonly path: string;
  /** Moves a process into the group; false when it has already exited. */
  add(pid: number): boolean;
  /** Removes the group (after its processes have exited). */
  remove(): void;
}

const root = '/sys/fs/cgroup';
const periodUs = 100_000;

/**
 * Creates a cgroup whose processes together get at most `cores` of a CPU: cgroup v1's cpu
 * controller (`cpu.cfs_quota_us`) or v2's `cpu.max`. Needs root. Returns why not, as one
 * line, where the machine does not allow it (no cgroup fs, no cpu controller, not writable).
 */
export function createCpuQuota(cores: number, name = `pipectl-starved-${process.pid}`): CpuQuota | string {
  try {
    const v1 = path.join(root, 'cpu');
    if (existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
      const dir = path.join(v1, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(periodUs));
      writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(Math.round(cores * periodUs)));
      return quota(cores, dir);
    }
    const controllers = path.join(root, 'cgroup.controllers');
    if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) {
      const dir = path.join(root, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'cpu.max'), `${Math.round(cores * periodUs)} ${periodUs}`);
      return quota(cores, dir);
    }
    return `no cgroup cpu controller under ${root}`;
  } catch (err) {
    return `cannot create a cgroup CPU quota: ${(err as Error).message}`;
  }
}

function quota(cores: number, dir: string): CpuQuota {
  return {
    cores,
    path: dir,
    add(pid) {
      try {
        writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
        return true;
      } catch {
        return false;
      }
    },
    remove() {
      try {
        rmdirSync(dir);
      } catch {
        // Still has a process in it (one that has not been reaped yet): left for the OS.
      }
    },
  };
}
