import { describe, expect, it } from 'vitest';
import { bindCheckSql } from '../../src/checks/bind-check-sql.js';
import type { ParamDefinition } from '../../src/checks/check-definition.js';
import { scanSql } from '../../src/checks/scan-sql.js';

const param = (type: ParamDefinition['type'], value: ParamDefinition['value']): ParamDefinition => ({
  type,
  value,
  description: undefined,
});

describe('scanSql', () => {
  const names = (text: string) => scanSql(text).placeholders.map((p) => p.name);

  it('finds :name placeholders with their offsets', () => {
    expect(scanSql('select 1 where a < now() - :older_than and b = :n').placeholders).toEqual([
      { name: 'older_than', offset: 27 },
      { name: 'n', offset: 47 },
    ]);
  });

  it('ignores ::casts, including a cast right after a placeholder', () => {
    expect(names(`select '1'::int, x::text[], :limit::int`)).toEqual(['limit']);
  });

  it('ignores text inside string literals, E-strings, dollar quotes and quoted identifiers', () => {
    const text = `select ':a', 'it''s :b', E'\\' :c', $$ :d $$, $tag$ :e $tag$, ":f", :g`;
    expect(names(text)).toEqual(['g']);
  });

  it('ignores line comments and nested block comments', () => {
    const text = 'select 1 -- :a\n/* :b /* :c */ :d */ where x = :e';
    expect(names(text)).toEqual(['e']);
  });

  it('ignores := named function arguments and slices with spaces', () => {
    expect(names('select make_interval(mins := 5), (array[1,2,3])[1 : 2]')).toEqual([]);
  });

  it('reports positional $n parameters but not dollar quotes or identifiers containing $', () => {
    expect(scanSql('select $1, $$x$$, a$1 from t').positional).toEqual([7]);
  });

  it('names the first keyword, skipping comments and parentheses', () => {
    expect(scanSql('-- why\n/* c */ (SELECT 1)').firstKeyword).toBe('select');
    expect(scanSql('  with x as (select 1) select * from x').firstKeyword).toBe('with');
    expect(scanSql('UPDATE jobs SET status = 1').firstKeyword).toBe('update');
  });

  it('finds statement-ending semicolons but not those in literals', () => {
    expect(scanSql(`select ';'; drop table x;`).semicolons).toEqual([10, 24]);
  });
});

describe('bindCheckSql', () => {
  it('rewrites placeholders as typed positional parameters and binds the values', () => {
    const bound = bindCheckSql('select * from jobs where run_at < now() - :older_than and attempts > :n', {
      older_than: param('interval', '15 minutes'),
      n: param('integer', 3),
    });
    expect(bound.text).toBe('select * from jobs where run_at < now() - $1::interval and attempts > $2::bigint');
    expect(bound.parameters).toEqual(['15 minutes', 3]);
  });

  it('reuses one number for a name used twice', () => {
    const bound = bindCheckSql('select :w, :x, :w', { w: param('text', 'a'), x: param('list', ['b', 'c']) });
    expect(bound.text).toBe('select $1::text, $2::text[], $1::text');
    expect(bound.parameters).toEqual(['a', ['b', 'c']]);
  });

  it('never splices a value into the SQL, however hostile', () => {
    const evil = "'; drop table jobs; --";
    const bound = bindCheckSql('select :name', { name: param('text', evil) });
    expect(bound.text).toBe('select $1::text');
    expect(bound.text).not.toContain('drop');
    expect(bound.parameters).toEqual([evil]);
  });

  it('leaves look-alikes untouched', () => {
    const text = `select ':a'::text, $$:a$$ -- :a\n, :a`;
    expect(bindCheckSql(text, { a: param('text', 'x') }).text).toBe(`select ':a'::text, $$:a$$ -- :a\n, $1::text`);
  });

  it('refuses a placeholder it has no declaration for', () => {
    expect(() => bindCheckSql('select :missing', {})).toThrow(':missing is not a declared parameter');
  });
});
