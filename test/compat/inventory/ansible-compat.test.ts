/**
 * Every layout under test/fixtures/inventory is read by the real ansible-inventory (Debian's
 * ansible-core) and by Hostwright; --list, --host and --graph --vars must print the same bytes,
 * the warnings must be the same, and host patterns (with and without --limit) must select the
 * same hosts in the same order as `ansible-playbook --list-hosts`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../../runner/errors.js';
import { runInventoryCli } from '../../../runner/inventory/cli.js';
import { loadInventory } from '../../../runner/inventory/index.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/inventory');

interface Case {
  sources: string[];
  ansibleSources?: string[];
  playbookDir?: string;
  patterns?: string[];
  limits?: [string, string][];
  error?: string;
  errorLine?: number;
}

const ANSIBLE_ENV = {
  ...process.env,
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_DEPRECATION_WARNINGS: 'false',
  ANSIBLE_LOCALHOST_WARNING: 'false',
  ANSIBLE_RETRY_FILES_ENABLED: 'false',
  PYTHONHASHSEED: '0',
};

/** Ansible is slow to start (~0.6 s of CPU); a few processes at a time on a 2-core machine. */
let running = 0;
const waiting: (() => void)[] = [];
async function spawnLimited(cmd: string, args: string[], cwd: string, input?: string, env: Record<string, string> = {}) {
  while (running >= 3) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      const child = execFile(cmd, args, { cwd, env: { ...ANSIBLE_ENV, ...env }, maxBuffer: 1 << 28 }, (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(input ?? '');
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

interface DriverResult {
  /** `warnings`: the messages given to Ansible's Display.warning, unwrapped (ansible_driver.py). */
  cli: { code: number; stdout: string; stderr: string; warnings: string[] }[];
  runs: ({ hosts: string[]; warnings: string[] } | { error: string })[];
}

/** Ansible's own InventoryCLI and InventoryManager, many calls in one process (ansible_driver.py). */
async function ansibleDriver(cwd: string, request: { cli: string[][]; sources?: string[]; runs?: [string, string | null][] }) {
  const r = await spawnLimited('/usr/bin/python3', [DRIVER], cwd, JSON.stringify(request));
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as DriverResult;
}

const DRIVER = resolve(import.meta.dirname, 'ansible_driver.py');

const cases = readdirSync(FIXTURES)
  .filter((name) => existsSync(join(FIXTURES, name, 'case.json')))
  .sort();

const emptyCwd = mkdtempSync(join(tmpdir(), 'hw-inv-compat-'));

describe.concurrent('inventory layouts against ansible-inventory', () => {
  // The driver runs Ansible's code in one process; these go through the real commands end to end.
  for (const name of ['seed-003', 'ini-literals', 'patterns']) {
    it(`${name}: the ansible-inventory and ansible commands themselves agree with us`, async () => {
      const dir = join(FIXTURES, name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
      const sources = spec.sources.map((s) => join(dir, s));
      const iargs = sources.flatMap((s) => ['-i', s]);
      const real = await spawnLimited('ansible-inventory', [...iargs, '--list'], emptyCwd);
      expect(real.code, real.stderr).toBe(0);
      expect(await runInventoryCli([...iargs, '--list'], { cwd: emptyCwd })).toBe(real.stdout.replace(/\n$/, ''));
      const pattern = spec.patterns![0]!;
      const listed = await spawnLimited('ansible', [...iargs, pattern, '--list-hosts'], emptyCwd);
      const hosts = listed.stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
      expect((await loadInventory(sources)).select(pattern)).toEqual(hosts);
    });
  }

  // The example inventories shipped in inventory/ (the typed one is the twin of none: see typed-ts).
  for (const example of ['inventory/hosts.ini', 'inventory/yaml/hosts.yml', 'inventory/site/hosts.yml']) {
    it(`${example} reads as ansible-inventory reads it`, async () => {
      const source = resolve(import.meta.dirname, '../../..', example);
      const real = await ansibleDriver(emptyCwd, { cli: [['-i', source, '--list'], ['-i', source, '--graph', '--vars']] });
      expect(await runInventoryCli(['-i', source, '--list'], { cwd: emptyCwd })).toBe(real.cli[0]!.stdout.replace(/\n$/, ''));
      expect(await runInventoryCli(['-i', source, '--graph', '--vars'], { cwd: emptyCwd })).toBe(real.cli[1]!.stdout.replace(/\n$/, ''));
    });
  }

  it('has at least 30 layouts', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of cases) {
    const dir = join(FIXTURES, name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
    const abs = (s: string) => (s.includes(',') && !existsSync(join(dir, s)) ? s : join(dir, s));
    const ours = spec.sources.map(abs);
    const theirs = (spec.ansibleSources ?? spec.sources).map(abs);
    const pbArgs = spec.playbookDir ? ['--playbook-dir', join(dir, spec.playbookDir)] : [];
    const args = (sources: string[], ...rest: string[]) => [...sources.flatMap((s) => ['-i', s]), ...pbArgs, ...rest];

    if (spec.error) {
      it(`${name}: both refuse it, ours names the file and line`, async () => {
        const real = await spawnLimited('ansible-inventory', args(theirs, '--list'), emptyCwd, '', { ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'true' });
        expect(real.code).not.toBe(0);
        const err = await loadInventory(ours).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(LoadError);
        expect((err as LoadError).message).toContain(spec.error);
        // A source that does not exist has no line to point at; its path is in the message.
        expect((err as LoadError).location?.file ?? (err as LoadError).message).toContain(join(dir, spec.sources[0]!));
        if (spec.errorLine) expect((err as LoadError).location?.line).toBe(spec.errorLine);
      });
      continue;
    }

    const patterns = spec.patterns ?? [];
    it(`${name}: --list, --host, --graph --vars, warnings and ${patterns.length} patterns match Ansible`, async () => {
      expect(patterns.length).toBeGreaterThanOrEqual(3);
      const inv = await loadInventory(ours);
      const hosts = [...inv.hosts.keys()];
      const picks = [...new Set([hosts[0], hosts[Math.floor(hosts.length / 2)], hosts[hosts.length - 1]])].filter((h): h is string => !!h);
      const subgroup = [...inv.groups.keys()].find((g) => g !== 'all' && g !== 'ungrouped');
      const cli = [
        ['--list'],
        ...picks.map((h) => ['--host', h]),
        ['--graph', '--vars'],
        ...(subgroup ? [['--graph', subgroup, '--vars']] : [['--graph']]),
      ];
      const runs: [string, string | null][] = [
        ...patterns.map((p): [string, null] => [p, null]),
        ...(spec.limits ?? []).map(([p, l]): [string, string] => [p, l.replace(/^@/, `@${dir}/`)]),
      ];
      const real = await ansibleDriver(emptyCwd, { cli: cli.map((extra) => args(theirs, ...extra)), sources: theirs, runs });

      for (const [i, extra] of cli.entries()) {
        const warnings: string[] = [];
        const mine = await runInventoryCli(args(ours, ...extra), { cwd: emptyCwd, onWarning: (w) => warnings.push(w) });
        expect(real.cli[i]!.code, real.cli[i]!.stderr).toBe(0);
        expect(mine, extra.join(' ')).toBe(real.cli[i]!.stdout.replace(/\n$/, ''));
        if (i === 0) expect([...warnings].sort()).toEqual([...real.cli[i]!.warnings].sort());
      }

      for (const [i, [pattern, limit]] of runs.entries()) {
        const warnings: string[] = [];
        const selected = await loadInventory(ours, { onWarning: (w) => warnings.push(w) }).then((fresh) => {
          warnings.length = 0;
          return fresh.select(pattern, limit ?? undefined);
        });
        const theirsRun = real.runs[i]!;
        if ('error' in theirsRun) throw new Error(`Ansible failed on ${pattern}: ${theirsRun.error}`);
        expect(selected, `${pattern} --limit ${limit}`).toEqual(theirsRun.hosts);
        expect(warnings.sort(), pattern).toEqual([...theirsRun.warnings].sort());
      }
    });
  }
});
