import Table from 'cli-table3';

/** A plain table for human output: borderless when piped, so that it stays grep-able. */
export function renderTable(head: string[], rows: (string | number | null | undefined)[][]): string {
  const table = new Table({
    head,
    style: { head: process.stdout.isTTY ? ['cyan'] : [], border: [], compact: true },
    chars: process.stdout.isTTY
      ? {}
      : {
          top: '',
          'top-mid': '',
          'top-left': '',
          'top-right': '',
          bottom: '',
          'bottom-mid': '',
          'bottom-left': '',
          'bottom-right': '',
          left: '',
          'left-mid': '',
          mid: '',
          'mid-mid': '',
          right: '',
          'right-mid': '',
          middle: '  ',
        },
  });
  for (const r of rows) table.push(r.map((v) => (v === null || v === undefined ? '' : String(v))));
  return table.toString();
}
