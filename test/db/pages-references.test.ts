import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { emptyTables } from '../helpers/rows.js';

/*
 * Migration 0006 replaced the foreign keys of pages.domain_id and pages.sitemap_file_id with
 * per-statement triggers (a third of WF5's insert cost). These are the foreign keys' rules,
 * one by one, on both backends, and the two races a foreign key's row lock settles.
 */

async function seed(db: Kysely<Database>) {
  const [a, b] = await db
    .insertInto('domains')
    .values([{ domain: 'a.example' }, { domain: 'b.example' }])
    .returning('id')
    .execute();
  if (a === undefined || b === undefined) throw new Error('no domains');
  const file = await db
    .insertInto('sitemap_files')
    .values({ domain_id: a.id, url: 'https://a.example/sitemap.xml', kind: 'urlset' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('pages')
    .values([
      { domain_id: a.id, sitemap_file_id: file.id, url: 'https://a.example/1' },
      { domain_id: a.id, sitemap_file_id: file.id, url: 'https://a.example/2' },
      { domain_id: b.id, sitemap_file_id: null, url: 'https://b.example/1' },
    ])
    .execute();
  return { a: a.id, b: b.id, file: file.id };
}

/** The error a statement raised: its SQLSTATE, constraint and message. */
async function failure(promise: Promise<unknown>): Promise<{ code?: string; constraint?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; constraint?: string; message: string };
    return { code: e.code, constraint: e.constraint, message: e.message };
  }
  throw new Error('the statement succeeded');
}

const pageRows = (db: Kysely<Database>) =>
  db.selectFrom('pages').select(['url', 'domain_id', 'sitemap_file_id']).orderBy('url').execute();

describe.each(backends)('pages references on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    beforeEach(async () => {
      await emptyTables(t.db);
    });

    it('refuses a page of a domain that does not exist, with the foreign key’s error', async () => {
      const { file } = await seed(t.db);
      const err = await failure(
        t.db
          .insertInto('pages')
          .values({ domain_id: 987654, sitemap_file_id: file, url: 'https://x.example/' })
          .execute(),
      );
      expect(err).toMatchObject({ code: '23503', constraint: 'pages_domain_id_fkey' });
      expect(err.message).toContain('violates foreign key constraint "pages_domain_id_fkey"');
    });

    it('refuses a page of a sitemap file that does not exist, and accepts none', async () => {
      const { a } = await seed(t.db);
      // Many rows in one statement, one of them bad: the whole statement fails.
      const err = await failure(
        t.db
          .insertInto('pages')
          .values([
            { domain_id: a, sitemap_file_id: null, url: 'https://a.example/ok' },
            { domain_id: a, sitemap_file_id: 987654, url: 'https://a.example/bad' },
          ])
          .execute(),
      );
      expect(err).toMatchObject({ code: '23503', constraint: 'pages_sitemap_file_id_fkey' });
      expect((await pageRows(t.db)).map((p) => p.url)).not.toContain('https://a.example/ok');
    });

    it('checks an update that changes a reference, and lets status updates through', async () => {
      const { a } = await seed(t.db);
      await t.db
        .updateTable('pages')
        .set({ contact_scan_status: 'complete', scanned_at: new Date() })
        .where('domain_id', '=', a)
        .execute();
      expect(
        await failure(t.db.updateTable('pages').set({ domain_id: 987654 }).where('domain_id', '=', a).execute()),
      ).toMatchObject({ code: '23503', constraint: 'pages_domain_id_fkey' });
      expect(
        await failure(t.db.updateTable('pages').set({ sitemap_file_id: 987654 }).where('domain_id', '=', a).execute()),
      ).toMatchObject({ code: '23503', constraint: 'pages_sitemap_file_id_fkey' });
    });

    it('deleting a domain deletes its pages and no other', async () => {
      const { a, b } = await seed(t.db);
      await t.db.deleteFrom('domains').where('id', '=', a).execute();
      expect(await pageRows(t.db)).toEqual([{ url: 'https://b.example/1', domain_id: b, sitemap_file_id: null }]);
    });

    it('deleting a sitemap file keeps its pages, without the file', async () => {
      const { a, b, file } = await seed(t.db);
      await t.db.deleteFrom('sitemap_files').where('id', '=', file).execute();
      expect(await pageRows(t.db)).toEqual([
        { url: 'https://a.example/1', domain_id: a, sitemap_file_id: null },
        { url: 'https://a.example/2', domain_id: a, sitemap_file_id: null },
        { url: 'https://b.example/1', domain_id: b, sitemap_file_id: null },
      ]);
    });

    it('keeps each domain’s page count (migration 0007) through inserts, moves, deletes and truncates', async () => {
      const counts = async () => {
        const { rows } = await sql<{ domain_id: number; counted: number; actual: number }>`
          select d.id as domain_id, coalesce(c.pages, 0)::int as counted,
            (select count(*) from pages p where p.domain_id = d.id)::int as actual
          from domains d left join domain_page_counts c on c.domain_id = d.id order by d.id
        `.execute(t.db);
        for (const r of rows) expect(r.counted, `domain ${r.domain_id}`).toBe(r.actual);
        return rows.map((r) => r.counted);
      };
      const { a, b } = await seed(t.db);
      expect(await counts()).toEqual([2, 1]);
      // A statement whose rows partly conflict counts only the rows it inserted.
      await sql`insert into pages (domain_id, url) values (${a}, 'https://a.example/1'), (${a}, 'https://a.example/3')
        on conflict do nothing`.execute(t.db);
      expect(await counts()).toEqual([3, 1]);
      await t.db.updateTable('pages').set({ domain_id: b }).where('url', '=', 'https://a.example/3').execute();
      await t.db.updateTable('pages').set({ contact_scan_status: 'complete' }).execute();
      expect(await counts()).toEqual([2, 2]);
      await t.db.deleteFrom('pages').where('url', '=', 'https://a.example/1').execute();
      expect(await counts()).toEqual([1, 2]);
      await t.db.deleteFrom('domains').where('id', '=', b).execute();
      expect(await counts()).toEqual([1]);
      await sql`truncate pages cascade`.execute(t.db);
      expect(await counts()).toEqual([0]);
      expect(await t.db.selectFrom('domain_page_counts').selectAll().execute()).toEqual([]);
    });

    it('an update that moves pages and names a missing sitemap file fails whole, counting nothing (migration 0012)', async () => {
      const { a, b } = await seed(t.db);
      const countsBefore = await t.db.selectFrom('domain_page_counts').selectAll().orderBy('domain_id').execute();
      expect(
        await failure(
          t.db.updateTable('pages').set({ domain_id: b, sitemap_file_id: 987654 }).where('domain_id', '=', a).execute(),
        ),
      ).toMatchObject({ code: '23503', constraint: 'pages_sitemap_file_id_fkey' });
      expect(await t.db.selectFrom('domain_page_counts').selectAll().orderBy('domain_id').execute()).toEqual(
        countsBefore,
      );
      await t.db.updateTable('pages').set({ domain_id: b, sitemap_file_id: null }).where('domain_id', '=', a).execute();
      expect(await t.db.selectFrom('domain_page_counts').selectAll().orderBy('domain_id').execute()).toEqual([
        { domain_id: a, pages: 0 },
        { domain_id: b, pages: 3 },
      ]);
    });

    it('truncate domains cascade and truncate sitemap_files cascade empty pages', async () => {
      await seed(t.db);
      await sql`truncate domains cascade`.execute(t.db);
      expect(await pageRows(t.db)).toEqual([]);
      await seed(t.db);
      await sql`truncate sitemap_files cascade`.execute(t.db);
      expect(await pageRows(t.db)).toEqual([]);
    });
  });
});

describe.skipIf(backends[1]?.skip !== false)('pages references under concurrency (server)', () => {
  const t = useTestDatabase('postgres');

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    return client;
  }

  it('a domain deleted while its pages are being inserted: the delete waits, then takes them', async () => {
    await emptyTables(t.db);
    const { a } = await seed(t.db);
    const [inserter, deleter] = [await connect(), await connect()];
    try {
      await inserter.query('begin');
      await inserter.query(`insert into pages (domain_id, url) values ($1, 'https://a.example/new')`, [a]);
      const deleted = deleter.query('delete from domains where id = $1', [a]);
      // The delete is blocked by the inserter's key-share lock on the domain row.
      const state = await Promise.race([
        deleted.then(() => 'done'),
        new Promise((r) => setTimeout(() => r('waiting'), 300)),
      ]);
      expect(state).toBe('waiting');
      await inserter.query('commit');
      await deleted;
      expect((await pageRows(t.db)).filter((p) => p.domain_id === a)).toEqual([]);
    } finally {
      await inserter.end();
      await deleter.end();
    }
  });

  it('pages inserted for a domain being deleted: the insert waits, then fails', async () => {
    await emptyTables(t.db);
    const { a } = await seed(t.db);
    const [inserter, deleter] = [await connect(), await connect()];
    try {
      await deleter.query('begin');
      await deleter.query('delete from domains where id = $1', [a]);
      const inserted = failure(
        inserter.query(`insert into pages (domain_id, url) values ($1, 'https://a.example/late')`, [a]),
      );
      await new Promise((r) => setTimeout(r, 300));
      await deleter.query('commit');
      expect(await inserted).toMatchObject({ code: '23503', constraint: 'pages_domain_id_fkey' });
      expect((await pageRows(t.db)).filter((p) => p.domain_id === a)).toEqual([]);
    } finally {
      await inserter.end();
      await deleter.end();
    }
  });
});
