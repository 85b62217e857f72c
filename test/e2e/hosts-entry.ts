import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';

const hostsFile = '/etc/hosts';

/** Whether this process may add a line to /etc/hosts (the test machine runs the suite as root). */
export function canEditHosts(): boolean {
  try {
    accessSync(hostsFile, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Adds `address name` to /etc/hosts, so that a public-looking name resolves to a chosen address
 * without any network, and returns the function that removes exactly that line again. The file
 * is rewritten in place (not renamed over), since it may be a bind mount.
 */
export function addHostsEntry(address: string, name: string): () => void {
  const line = `${address} ${name}`;
  const current = readFileSync(hostsFile, 'utf8');
  if (!current.split('\n').includes(line)) {
    writeFileSync(hostsFile, `${current}${current.endsWith('\n') ? '' : '\n'}${line}\n`);
  }
  return () => {
    const lines = readFileSync(hostsFile, 'utf8').split('\n');
    writeFileSync(hostsFile, lines.filter((l) => l !== line).join('\n'));
  };
}
