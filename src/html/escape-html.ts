const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text as HTML: every `&`, `<`, `>` and quote escaped, so that a check description, owner or
 * domain holding `<script>` or `</svg>` reads as text, inside an element, an attribute or an
 * SVG `<title>` alike. Every string that comes from the database or a checks file goes through this.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** A UTC timestamp to the minute: `2026-12-07 14:05 UTC`. */
export function utcMinute(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
