import { FetchError } from '../../../fetch/fetch-error.js';
import type { HttpClient } from '../../../fetch/http-client.js';
import { SitemapReader } from '../../../parse/sitemap-reader.js';
import { PermanentJobError } from '../../stage.js';
import type { SitemapEntrySource } from '../page-import-stage.js';
import { isTransientStatus, sitemapAccept } from './read-sitemap-document.js';

/**
 * WF5's source of sitemap entries in production: fetches a recorded sitemap file
 * (`final_url`, else `url`) with the shared client and reads it with a streaming
 * `SitemapReader`, so that WF5 breaking out of its loop at `--max-urls` stops the download.
 *
 * A failure no retry can fix (a 4xx, an SSRF refusal, too many redirects) is a
 * `PermanentJobError`; a 5xx, a network error or a timeout is retried.
 */
export function createSitemapEntrySource(client: HttpClient): SitemapEntrySource {
  return {
    async open(file, signal) {
      const url = file.final_url ?? file.url;
      let response: Awaited<ReturnType<HttpClient['fetch']>>;
      try {
        response = await client.fetch(url, { signal, accept: sitemapAccept });
      } catch (err) {
        if (err instanceof FetchError && err.permanent) throw new PermanentJobError(err.message, { cause: err });
        throw err;
      }
      if (!response.ok) {
        response.close();
        const message = `${url}: HTTP ${response.status}`;
        if (isTransientStatus(response.status)) throw new Error(message);
        throw new PermanentJobError(message);
      }
      return new SitemapReader(response);
    },
  };
}
