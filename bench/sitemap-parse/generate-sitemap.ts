import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';

/**
 * One `<url>` entry as large e-commerce sitemaps write them: loc, lastmod with a time zone,
 * changefreq, priority and one hreflang alternate (about 260 bytes, so that 50,000 URLs make
 * the ~13 MB file of issue 4).
 */
function entry(i: number): string {
  const path = `/p/c${i % 97}/item-${String(i).padStart(7, '0')}`;
  const day = String(1 + (i % 28)).padStart(2, '0');
  return (
    `<url>\n<loc>https://shop.example.com${path}</loc>\n` +
    `<lastmod>2025-10-${day}T08:${String(i % 60).padStart(2, '0')}:00+00:00</lastmod>\n` +
    `<changefreq>weekly</changefreq>\n<priority>0.${i % 10}</priority>\n` +
    `<xhtml:link rel="alternate" hreflang="de" href="https://shop.example.com/de${path}"/>\n</url>\n`
  );
}

/**
 * Writes a urlset of `count` URLs to `path`, streaming (the 500k file never sits in memory),
 * unless the file is already there. Returns its size in bytes.
 */
export async function generateSitemap(path: string, count: number): Promise<number> {
  if (existsSync(path)) return statSync(path).size;
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  out.write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n',
  );
  for (let i = 0; i < count; i++) {
    if (!out.write(entry(i))) await once(out, 'drain');
  }
  out.end('</urlset>\n');
  await once(out, 'finish');
  renameSync(partial, path);
  return statSync(path).size;
}
