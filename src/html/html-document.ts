import { escapeHtml } from './escape-html.js';

/*
 * One stylesheet for both pages. The statuses are words in every place (a coloured badge holds
 * the word), and the strips draw each status at its own height, so the page reads in grey on
 * paper. Wide tables scroll inside their own box, so that a phone never scrolls the page sideways.
 */
const css = `
:root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--error:#8250df;--none:#d0d7de;--muted:#59636e;--line:#d0d7de;--backlog:#cf222e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1f2328;background:#fff}
main{max-width:1200px;margin:0 auto;padding:12px 16px 32px}
h1{font-size:20px;margin:8px 0 4px;overflow-wrap:anywhere}
h2{font-size:16px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
p{margin:4px 0}
.meta{color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.badge{display:inline-block;min-width:3.6em;text-align:center;font-weight:700;font-size:12px;letter-spacing:.03em;text-transform:uppercase;padding:1px 6px;border-radius:4px;border:1.5px solid currentColor}
.s-pass{color:var(--pass)}.s-warn{color:var(--warn)}.s-fail{color:var(--fail)}.s-error{color:var(--error)}.s-none{color:var(--muted)}
.overall{font-size:16px;padding:2px 10px}
.note{border-left:4px solid var(--line);padding:6px 10px;background:#f6f8fa;margin:8px 0}
.check{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0;break-inside:avoid}
.check-head{display:flex;flex-wrap:wrap;gap:2px 10px;align-items:baseline}
.name{font-weight:700;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.desc{margin:4px 0;overflow-wrap:anywhere}
.strip,.spark{display:block;width:100%;margin:4px 0}
.strip{height:18px}.spark{height:40px}
.axis{display:flex;justify-content:space-between;color:var(--muted);font-size:11px}
details{margin:4px 0}summary{cursor:pointer;color:var(--muted);font-size:12px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;background:#f6f8fa;padding:6px 8px;margin:4px 0}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap;vertical-align:top}
th{font-weight:600;background:#f6f8fa}
th:first-child,td:first-child,.text{text-align:left}
td.text{white-space:normal;overflow-wrap:anywhere;min-width:12em}
.chart{display:block;width:100%;height:auto;max-height:320px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:4px 0;padding:0;list-style:none}
.legend svg{display:inline-block;vertical-align:middle;width:28px;height:10px}
ul.sentences{margin:4px 0;padding-left:20px}
a{color:#0969da}
@media print{body{font-size:11px}main{max-width:none;padding:0}.check,table,svg{break-inside:avoid}details>*{display:block}a{color:inherit}}
`;

/** A complete, self-contained HTML document: inline CSS, no script, and a policy that forbids fetching anything. */
export function htmlDocument(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="pipectl">
<title>${escapeHtml(title)}</title>
<style>${css.trim()}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** A status word in a badge: readable without colour. */
export function statusBadge(status: string, className = status): string {
  return `<span class="badge s-${escapeHtml(className)}">${escapeHtml(status)}</span>`;
}

/** An HTML table whose cells are escaped; `text` columns wrap (prose), the others do not. */
export function htmlTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  text: readonly number[] = [],
): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows
    .map(
      (row) =>
        `<tr>${row.map((v, i) => `<td${text.includes(i) ? ' class="text"' : ''}>${escapeHtml(String(v))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table></div>`;
}
