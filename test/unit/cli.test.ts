import { homedir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { helpText, parseCli, unfrackPath, parseExtraVars, parseKeyValues, runCli, type CliIO, type RunRequest } from '../../runner/cli.js';
import { OptionsError } from '../../runner/errors.js';
import { defaultRunOptions, type RunOptions } from '../../runner/options.js';
import { isSecret } from '../../runner/secret.js';

function options(argv: string[], files: Record<string, string> = {}): RunOptions {
  const cmd = parseCli(argv, { cwd: '/pb', readFile: (f) => {
    if (!(f in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return files[f]!;
  } });
  if (cmd.action !== 'run') throw new Error(`expected a run, got ${cmd.action}`);
  return cmd.options;
}

function optionsError(argv: string[]): string {
  try {
    parseCli(argv, { cwd: '/pb', readFile: () => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); } });
  } catch (e) {
    expect(e).toBeInstanceOf(OptionsError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCli: every flag', () => {
  it('no flags gives the defaults', () => {
    expect(options([])).toEqual(defaultRunOptions());
  });

  it('-i/--inventory/--inventory-file accumulate; comma host lists kept whole, paths made absolute', () => {
    expect(options(['-i', 'web1,web2,', '--inventory', 'inv/hosts.ini', '--inventory-file=/etc/ansible/hosts', '-i', 'localhost,']).inventory).toEqual([
      'web1,web2,',
      '/pb/inv/hosts.ini',
      '/etc/ansible/hosts',
      'localhost,',
    ]);
  });

  it('paths expand ~ and $VARS like unfrackpath', () => {
    expect(unfrackPath('~/.ssh/id_ed25519', '/pb')).toBe(path.join(homedir(), '.ssh/id_ed25519'));
    expect(unfrackPath('$KEYS/a/../id', '/pb', { KEYS: '/keys' })).toBe('/keys/id');
    expect(unfrackPath('${NOPE}/x', '/pb', {})).toBe('/pb/${NOPE}/x');
  });

  it('-l/--limit keeps the last value', () => {
    expect(options(['-l', 'web', '--limit', 'db:!db3']).limit).toBe('db:!db3');
  });

  it('-t/--tags and --skip-tags split commas, trim, accumulate, and count a tag once', () => {
    const o = options(['-t', 'a, b', '--tags', 'c,a', '--skip-tags', 'x,y', '--skip-tags=z']);
    expect(o.tags).toEqual(['a', 'b', 'c']);
    expect(o.skipTags).toEqual(['x', 'y', 'z']);
  });

  it('boolean flags, short and long', () => {
    const o = options(['-C', '-D', '-b', '--force-handlers', '--list-hosts', '--list-tasks', '--list-tags', '--json']);
    expect(o).toMatchObject({ check: true, diff: true, become: true, forceHandlers: true, listHosts: true, listTasks: true, listTags: true, json: true });
    expect(options(['--check', '--diff', '--become'])).toMatchObject({ check: true, diff: true, become: true });
  });

  it('clustered short flags with an attached value: -CDbf10', () => {
    expect(options(['-CDbf10'])).toMatchObject({ check: true, diff: true, become: true, forks: 10 });
  });

  it('-f/--forks, -T/--timeout (seconds → ms)', () => {
    expect(options(['-f', '30']).forks).toBe(30);
    expect(options(['--forks=7']).forks).toBe(7);
    expect(options(['-T', '3']).connectTimeoutMs).toBe(3000);
    expect(options(['--timeout', '60']).connectTimeoutMs).toBe(60_000);
  });

  it('string flags: --become-user, -u/--user, --private-key/--key-file, --start-at-task', () => {
    const o = options(['--become-user', 'postgres', '-u', 'deploy', '--private-key', '/keys/id', '--start-at-task', 'write config']);
    expect(o).toMatchObject({ becomeUser: 'postgres', user: 'deploy', privateKey: '/keys/id', startAtTask: 'write config' });
    expect(options(['--user=ops', '--key-file', 'k']).user).toBe('ops');
    expect(options(['--key-file', 'keys/k']).privateKey).toBe('/pb/keys/k');
  });

  it('-v counts, clustered or repeated, capped at -vvvv', () => {
    expect(options(['-v']).verbosity).toBe(1);
    expect(options(['-vvv']).verbosity).toBe(3);
    expect(options(['-v', '--verbose', '-vv']).verbosity).toBe(4);
    expect(options(['-vvvvvv']).verbosity).toBe(4);
  });

  it('-K, --syntax-check, --help, --version', () => {
    expect(parseCli(['-K'])).toMatchObject({ action: 'run', askBecomePass: true, syntaxCheck: false });
    expect(parseCli(['--ask-become-pass', '--syntax-check'])).toMatchObject({ askBecomePass: true, syntaxCheck: true });
    expect(parseCli(['-C', '-h'])).toEqual({ action: 'help' });
    expect(parseCli(['--help'])).toEqual({ action: 'help' });
    expect(parseCli(['--version'])).toEqual({ action: 'version' });
  });

  it('the help text lists every flag', () => {
    const text = helpText();
    for (const flag of ['-i INVENTORY', '--limit', '--tags', '--skip-tags', '--check', '--diff', '--forks', '--extra-vars', '--become', '--become-user', '--ask-become-pass', '--user', '--private-key', '--timeout', '--list-hosts', '--list-tasks', '--list-tags', '--start-at-task', '--force-handlers', '--syntax-check', '--verbose', '--json', '--version']) {
      expect(text).toContain(flag);
    }
  });
});

describe('parseCli: mistakes are OptionsError (exit 5), one line', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['-Z'], /Unknown option '-Z'/],
    [['-f'], /argument missing/],
    [['-f', 'many'], /--forks: invalid int value: 'many'/],
    [['-f', '0'], /--forks: must be at least 1/],
    [['-f', '-3'], /ambiguous|invalid int/],
    [['-T', '1.5'], /--timeout: invalid int value/],
    [['site.yml'], /Unexpected argument 'site.yml'/],
    [['--check=yes'], /does not take an argument/],
    [['-e', 'novalue'], /expected key=value, got 'novalue'/],
    [['-e', './vars.yml'], /Please prepend extra_vars filename '.\/vars.yml' with '@'/],
    [['-e', '@missing.yml'], /extra vars file 'missing.yml' could not be read: ENOENT/],
    [['-e', '[1, 2]'], /could not be made into a dictionary/],
    [['-e', '{a: [}'], /not valid YAML\/JSON/],
    [['-e', 'a="unclosed'], /unbalanced quotes/],
  ])('%j', (argv, message) => {
    const text = optionsError(argv);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});

describe('extra vars', () => {
  it('key=value pairs with quoting and escapes; values stay strings', () => {
    expect(parseKeyValues(`a=1 b="two words" c='x=y' d=it\\'s e="tab\\there" f=`)).toEqual({
      a: '1',
      b: 'two words',
      c: 'x=y',
      d: "it's",
      e: 'tab\there',
      f: '',
    });
  });

  // Expected values are what ansible.parsing.splitter.parse_kv returns for the same strings.
  it('only a matching pair of outer quotes is removed', () => {
    expect(parseKeyValues(`a="x" c=p"q" k="a b"c`)).toEqual({ a: 'x', c: 'p"q"', k: '"a b"c' });
  });

  it("Python escapes are decoded: \\u00e9, \\n, \\'", () => {
    expect(parseKeyValues(`u=\\u00e9 n=a\\nb x='it\\'s'`)).toEqual({ u: 'é', n: 'a\nb', x: "it's" });
  });

  it('inline JSON and YAML 1.1 mappings keep their types', () => {
    expect(parseExtraVars('{"port": 8080, "tls": true, "list": [1, 2]}')).toEqual({ port: 8080, tls: true, list: [1, 2] });
    expect(parseExtraVars('{enabled: yes, mode: 0644}')).toEqual({ enabled: true, mode: 420 });
  });

  it('@file reads YAML or JSON relative to the working directory', () => {
    const files = { '/pb/vars/app.yml': 'app: web\nreplicas: 3\n', '/abs/x.json': '{"k": "v"}' };
    expect(options(['-e', '@vars/app.yml', '-e', '@/abs/x.json'], files).extraVars).toEqual({ app: 'web', replicas: 3, k: 'v' });
  });

  it('repeatable, later wins (shallow, like combine_vars with hash_behaviour=replace)', () => {
    const o = options(['-e', 'a=1 b=1', '--extra-vars', '{"b": {"x": 1}, "c": 3}', '-e', 'c=last', '-e', '{"b": {"y": 2}}']);
    expect(o.extraVars).toEqual({ a: '1', b: { y: 2 }, c: 'last' });
  });

  it('an empty -e is ignored', () => {
    expect(options(['-e', '']).extraVars).toEqual({});
  });
});

function fakeIO(stdinText?: string): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
  const stderr = { write: (s: string) => ((err += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  if (stdinText !== undefined) (stdin as unknown as PassThrough).end(stdinText);
  return { stdout, stderr, stdin, env: {}, cwd: '/pb', out: () => out, err: () => err };
}

describe('runCli', () => {
  it('a bad flag: one ERROR! line on stderr, exit 5, nothing run', async () => {
    const io = fakeIO();
    let ran = false;
    const code = await runCli(['--forks', 'x'], async () => ((ran = true), 0), io);
    expect(code).toBe(5);
    expect(ran).toBe(false);
    expect(io.err()).toBe("ERROR! argument --forks: invalid int value: 'x'\n");
    expect(io.out()).toBe('');
  });

  it('--help prints the help on stdout, exit 0', async () => {
    const io = fakeIO();
    expect(await runCli(['--help'], async () => 1, io)).toBe(0);
    const [usage, ...rest] = io.out().split('\n');
    expect(usage).toMatch(/^usage: npx tsx \S+ \[options\]$/);
    expect(rest).toEqual(helpText().split('\n').slice(1));
  });

  it('--version prints the version, exit 0', async () => {
    const io = fakeIO();
    expect(await runCli(['--version'], async () => 1, io)).toBe(0);
    expect(io.out()).toMatch(/^hostwright \d+\.\d+\.\d+\n$/);
  });

  it('passes RunOptions and a plain-text reporter when stdout is not a terminal, returns the run code', async () => {
    const io = fakeIO();
    let request: RunRequest | undefined;
    const code = await runCli(['-C', '-i', 'h1,', '--syntax-check'], async (r) => ((request = r), 2), io);
    expect(code).toBe(2);
    expect(request!.options).toMatchObject({ check: true, inventory: ['h1,'] });
    expect(request!.syntaxCheck).toBe(true);
    request!.reporter.emit({ type: 'play_start', name: 'p', hosts: ['h1'], pattern: 'all' });
    expect(io.out()).toBe(`\nPLAY [p] ${'*'.repeat(71)}\n`);
  });

  it('-K reads the password without echo into a Secret, and it is masked in everything printed', async () => {
    const io = fakeIO('s3cret-pw\n');
    let request: RunRequest | undefined;
    await runCli(['-K'], async (r) => {
      request = r;
      r.reporter.emit({ type: 'warning', message: 'sudo said: wrong password s3cret-pw' });
      return 0;
    }, io);
    expect(isSecret(request!.options.becomePassword)).toBe(true);
    expect(request!.options.becomePassword!.reveal()).toBe('s3cret-pw');
    expect(String(request!.options.becomePassword)).toBe('********');
    expect(io.err()).toContain('BECOME password: ');
    expect(io.err()).toContain('[WARNING]: sudo said: wrong password ********');
    expect(io.err() + io.out()).not.toContain('s3cret-pw');
  });

  it('-K with --list-tasks does not prompt (Ansible asks only when it will run)', async () => {
    const io = fakeIO('pw\n');
    let request: RunRequest | undefined;
    await runCli(['-K', '--list-tasks'], async (r) => ((request = r), 0), io);
    expect(request!.options.becomePassword).toBeUndefined();
    expect(io.err()).not.toContain('BECOME password');
  });

  it('errors thrown by the run: OptionsError 5, LoadError 4, unexpected 250 with a hint', async () => {
    const { LoadError } = await import('../../runner/errors.js');
    let io = fakeIO();
    expect(await runCli([], async () => { throw new LoadError('bad param', { file: 'pb.ts', line: 3 }); }, io)).toBe(4);
    expect(io.err()).toBe('ERROR! pb.ts:3: bad param\n');
    io = fakeIO();
    expect(await runCli([], async () => { throw new OptionsError('no hosts'); }, io)).toBe(5);
    io = fakeIO();
    expect(await runCli([], async () => { throw new TypeError('x is undefined'); }, io)).toBe(250);
    expect(io.err()).toBe('ERROR! Unexpected Exception, this is probably a bug: x is undefined\nto see the full traceback, use -vvv\n');
  });

  it('an interrupted prompt exits 99 with Ansible\'s message', async () => {
    const io = fakeIO();
    const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
    expect(await runCli([], async () => { throw abort; }, io)).toBe(99);
    expect(io.err()).toBe(' [ERROR]: User interrupted execution\n');
  });
});
