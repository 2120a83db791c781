import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../runner/inventory/index.js';
import { fnmatchToRegExp, orderPatterns, splitHostPattern } from '../../../runner/inventory/patterns.js';

async function inventory(ini: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hw-pat-'));
  writeFileSync(join(dir, 'hosts'), ini);
  const warnings: string[] = [];
  const inv = await loadInventory([join(dir, 'hosts')], { onWarning: (w) => warnings.push(w) });
  return { inv, warnings, dir };
}

const INI = `
[web]
web1
web2
web3
[db]
db1
web3
[prod]
web2
web3
db1
`;

describe('pattern syntax', () => {
  it('splits on commas, or on colons when not an address', () => {
    expect(splitHostPattern('a,b[1], c[2:3] , d')).toEqual(['a', 'b[1]', 'c[2:3]', 'd']);
    expect(splitHostPattern('web:&prod:!db')).toEqual(['web', '&prod', '!db']);
    expect(splitHostPattern('web[1:3]')).toEqual(['web[1:3]']);
    expect(splitHostPattern('fe80::1')).toEqual(['fe80::1']);
  });
  it('orders positives, then intersections, then exclusions', () => {
    expect(orderPatterns(['!a', '&b', 'c', 'd'])).toEqual(['c', 'd', '&b', '!a']);
    expect(orderPatterns(['!a'])).toEqual(['all', '!a']);
  });
  it('translates shell wildcards like fnmatch', () => {
    expect(fnmatchToRegExp('web?.ex*').test('web1.example')).toBe(true);
    expect(fnmatchToRegExp('[!w]*').test('db1')).toBe(true);
    expect(fnmatchToRegExp('[!w]*').test('web1')).toBe(false);
  });
});

describe('selecting hosts', () => {
  it('applies exclusions after everything, whatever the written order', async () => {
    const { inv } = await inventory(INI);
    expect(inv.select('!db:web')).toEqual(['web1', 'web2']);
    expect(inv.select('web:&prod')).toEqual(['web2', 'web3']);
    expect(inv.select('db,web')).toEqual(['db1', 'web3', 'web1', 'web2']);
  });
  it('takes subscripts and regexes', async () => {
    const { inv } = await inventory(INI);
    expect(inv.select('web[0]')).toEqual(['web1']);
    expect(inv.select('web[-1]')).toEqual(['web3']);
    expect(inv.select('web[1:]')).toEqual(['web2', 'web3']);
    expect(inv.select('~(web|db)[13]')).toEqual(['web1', 'web3', 'db1']);
  });
  it('narrows by a limit, including a retry file', async () => {
    const { inv, dir } = await inventory(INI);
    writeFileSync(join(dir, 'site.retry'), 'web1\ndb1\n');
    expect(inv.select('all', 'prod')).toEqual(['web2', 'web3', 'db1']);
    expect(inv.select('web', `@${join(dir, 'site.retry')}`)).toEqual(['web1']);
    expect(inv.select('all', '!web')).toEqual(['db1']);
  });
  it('warns like Ansible when a pattern matches nothing, and selects nothing', async () => {
    const { inv, warnings } = await inventory(INI);
    expect(inv.select('nosuch')).toEqual([]);
    expect(warnings).toContain('Could not match supplied host pattern, ignoring: nosuch');
  });
});
