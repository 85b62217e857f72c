/**
 * A duration as on-call reads it: `45s`, `12m`, `4h 10m`, `2d 3h`; the two largest units only,
 * since "failing for 4h 10m 7s" is no more useful than "4h 10m".
 */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
  }
  return parts
    .slice(0, 2)
    .filter((p) => !p.startsWith('0'))
    .join(' ');
}
