import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../../runner/errors.js';
import { loadInventory } from '../../../runner/inventory/index.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hw-prec-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('variable precedence', () => {
  it('all < parent < child < host, and siblings by priority then name', async () => {
    const dir = tree({
      hosts: `[p:children]\nc\n[c]\nh1 v=host\nh2\n[b]\nh2\n[a]\nh2\n[p:vars]\nv=p\nonly_p=1\n[c:vars]\nv=c\n[a:vars]\ns=a\n[b:vars]\ns=b\nansible_group_priority=0\n[all:vars]\nv=all\ng=1\n`,
    });
    const inv = await loadInventory([join(dir, 'hosts')]);
    expect(inv.hostVars('h1')).toMatchObject({ v: 'host', only_p: 1, g: 1 });
    expect(inv.hostVars('h2')).toMatchObject({ v: 'c', s: 'a' });
  });

  it('group_vars files beat inventory vars of any group, even group_vars/all', async () => {
    const dir = tree({
      hosts: `[c]\nh1\n[c:vars]\nx=inventory\ny=inventory\n`,
      'group_vars/all.yml': 'x: group_vars_all\n',
      'group_vars/c/main.yml': 'y: group_vars_c\n',
      'host_vars/h1': 'z: host_vars\n',
    });
    const inv = await loadInventory([join(dir, 'hosts')]);
    expect(inv.hostVars('h1')).toMatchObject({ x: 'group_vars_all', y: 'group_vars_c', z: 'host_vars' });
  });

  it('vars beside the playbook beat those beside the inventory', async () => {
    const dir = tree({
      'inv/hosts': `[c]\nh1\n`,
      'inv/group_vars/c.yml': 'x: inventory\n',
      'play/group_vars/c.yml': 'x: playbook\n',
    });
    const inv = await loadInventory([join(dir, 'inv/hosts')], { playbookDir: join(dir, 'play') });
    expect(inv.hostVars('h1').x).toBe('playbook');
  });

  it('adds the magic variables', async () => {
    const dir = tree({ hosts: `[web]\nweb1.example.com\n` });
    const vars = (await loadInventory([join(dir, 'hosts')])).hostVars('web1.example.com');
    expect(vars).toMatchObject({
      inventory_hostname: 'web1.example.com',
      inventory_hostname_short: 'web1',
      group_names: ['web'],
      groups: { all: ['web1.example.com'], ungrouped: [], web: ['web1.example.com'] },
    });
  });

  it('reads YAML 1.1 as Ansible does', async () => {
    const dir = tree({ 'hosts.yml': 'all:\n  hosts:\n    h1: {a: yes, b: "yes", c: 010, d: 1:30, e: y}\n' });
    expect((await loadInventory([join(dir, 'hosts.yml')])).hostVars('h1')).toMatchObject({ a: true, b: 'yes', c: 8, d: 90, e: 'y' });
  });
});

describe('errors name the file and line', () => {
  it('a group that becomes its own ancestor', async () => {
    const dir = tree({ hosts: `[a:children]\nb\n[b:children]\na\n` });
    const err = await loadInventory([join(dir, 'hosts')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).location).toEqual({ file: join(dir, 'hosts'), line: 4, column: undefined });
    expect((err as LoadError).message).toContain("Adding group 'a' as child to 'b' creates a recursive dependency loop.");
  });
  it('broken YAML', async () => {
    const dir = tree({ 'hosts.yml': 'all:\n  hosts: [\n' });
    const err = (await loadInventory([join(dir, 'hosts.yml')]).catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.location?.file).toBe(join(dir, 'hosts.yml'));
    expect(err.message).toContain('Syntax Error while loading YAML');
  });
  it('a source that does not exist', async () => {
    await expect(loadInventory(['/nonexistent/hosts'])).rejects.toThrow('Unable to parse /nonexistent/hosts as an inventory source');
  });
});
