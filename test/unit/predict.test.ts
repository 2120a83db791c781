import { describe, expect, it } from 'vitest';
import { block, handler, play, task } from '../../runner/dsl.js';
import { PredictedState, Unpredictable } from '../../runner/predict.js';
import { cmd, runPlays, setv } from './engine-fakes.js';

const noFacts = { gather_facts: false } as const;

describe('PredictedState: what earlier plans leave on the host', () => {
  it('merges effects on a path of the same kind; another kind replaces it as a new path', () => {
    const p = new PredictedState();
    expect(p.empty).toBe(true);
    p.record([{ kind: 'path', path: '/etc/app.conf', state: 'file', content: Buffer.from('a'), mode: 0o600 }], 'write');
    p.record([{ kind: 'path', path: '/etc//app.conf/', state: 'file', owner: 'app', uid: 1001 }], 'chown');
    expect(p.path('/etc/app.conf')).toMatchObject({ state: 'file', mode: 0o600, owner: 'app', uid: 1001, by: 'chown' });
    expect(p.path('/etc/app.conf')).not.toHaveProperty('created');
    p.record([{ kind: 'path', path: '/etc/app.conf', state: 'link', src: '/x' }], 'link');
    expect(p.path('/etc/app.conf')).toEqual({ path: '/etc/app.conf', state: 'link', src: '/x', created: true, by: 'link' });
    expect(p.path('/etc/other')).toBeUndefined();
  });

  it('removing a directory removes what was predicted below it, a new directory is empty, a later write below it is predicted again', () => {
    const p = new PredictedState();
    p.record([{ kind: 'path', path: '/opt/d', state: 'directory', created: true }], 'mkdir');
    p.record([{ kind: 'path', path: '/opt/d/x', state: 'file', content: Buffer.from('1') }], 'write');
    p.record([{ kind: 'path', path: '/opt/d', state: 'absent' }], 'rm');
    expect(p.path('/opt/d/x')).toEqual({ state: 'absent', path: '/opt/d/x', by: 'rm' });
    expect(p.path('/opt/d/never/seen')).toEqual({ state: 'absent', path: '/opt/d/never/seen', by: 'rm' });
    p.record([{ kind: 'path', path: '/opt/d', state: 'directory', created: true }], 'mkdir again');
    expect(p.path('/opt/d/x')).toEqual({ state: 'absent', path: '/opt/d/x', by: 'mkdir again' });
    p.record([{ kind: 'path', path: '/opt/d/x', state: 'file', created: true }], 'touch');
    expect(p.path('/opt/d/x')).toMatchObject({ state: 'file', created: true, by: 'touch' });
  });

  it('below a tree effect (a checkout) paths are unknown, unless a later task predicts them', () => {
    const p = new PredictedState();
    p.record([{ kind: 'path', path: '/srv/app', state: 'directory', created: true }, { kind: 'tree', path: '/srv/app' }], 'clone');
    expect(p.path('/srv/app')).toMatchObject({ state: 'directory' });
    expect(p.path('/srv/app/README')).toEqual({ state: 'unknown', path: '/srv/app/README', by: 'clone' });
    p.record([{ kind: 'path', path: '/srv/app/local.conf', state: 'file', content: Buffer.from('x') }], 'conf');
    expect(p.path('/srv/app/local.conf')).toMatchObject({ state: 'file', by: 'conf' });
    expect(p.path('/srv/app/other')).toMatchObject({ state: 'unknown' });
  });

  it('lists a directory an earlier task creates, only while everything in it is predicted', () => {
    const p = new PredictedState();
    p.record([{ kind: 'path', path: '/etc/fw/zones', state: 'directory', created: true }], 'install');
    expect(p.entries('/etc/fw/zones')).toEqual([]);
    p.record([{ kind: 'path', path: '/etc/fw/zones/b.xml', state: 'file', created: true }, { kind: 'path', path: '/etc/fw/zones/a.xml', state: 'exists' }, { kind: 'path', path: '/etc/fw/zones/a.xml/x', state: 'file' }], 'write');
    expect(p.entries('/etc/fw/zones/')).toEqual(['a.xml', 'b.xml']);
    p.record([{ kind: 'path', path: '/etc/fw/zones/b.xml', state: 'absent' }], 'rm');
    expect(p.entries('/etc/fw/zones')).toEqual(['a.xml']);
    // A directory that was there before: what else it holds was never predicted.
    p.record([{ kind: 'path', path: '/etc/old', state: 'directory' }, { kind: 'path', path: '/etc/old/x', state: 'file' }], 'write');
    expect(p.entries('/etc/old')).toBeUndefined();
    // A checkout: .git is only known as unknown; a tree over the directory hides it all.
    p.record([{ kind: 'path', path: '/srv/co', state: 'directory', created: true }, { kind: 'tree', path: '/srv/co/.git' }, { kind: 'path', path: '/srv/co/README', state: 'file' }], 'clone');
    expect(p.entries('/srv/co')).toBeUndefined();
    p.record([{ kind: 'tree', path: '/etc/fw' }], 'unpack');
    expect(p.entries('/etc/fw/zones')).toBeUndefined();
    expect(p.entries('/nowhere')).toBeUndefined();
  });

  it("`exists` (a command's creates) is a path of unknown kind and content", () => {
    const p = new PredictedState();
    p.record([{ kind: 'path', path: '/var/lib/done', state: 'exists' }], 'init');
    expect(p.path('/var/lib/done')).toEqual({ state: 'exists', path: '/var/lib/done', by: 'init' });
    expect(p.path('/var/lib/done/x')).toEqual({ state: 'unknown', path: '/var/lib/done/x', by: 'init' });
  });

  it('keyed records (packages, users, services, resources) merge while their state stays', () => {
    const p = new PredictedState();
    p.record([{ kind: 'user', name: 'app', state: 'present', uid: 1001 }], 'user');
    p.record([{ kind: 'user', name: 'app', state: 'present', shell: '/bin/sh' }], 'shell');
    expect(p.view(undefined).user('app')).toEqual({ name: 'app', state: 'present', uid: 1001, shell: '/bin/sh', by: 'shell' });
    p.record([{ kind: 'user', name: 'app', state: 'absent' }], 'del');
    expect(p.view(undefined).user('app')).toEqual({ name: 'app', state: 'absent', by: 'del' });
    p.record([{ kind: 'service', name: 'nginx', running: true }], 'start');
    p.record([{ kind: 'service', name: 'nginx', enabled: true }], 'enable');
    expect(p.view(undefined).service('nginx')).toMatchObject({ running: true, enabled: true });
    p.record([{ kind: 'resource', type: 'podman_container', key: 'web', state: 'present', attrs: { image: 'nginx' } }], 'run');
    expect(p.view(undefined).resource('podman_container', 'web')?.attrs).toEqual({ image: 'nginx' });
    expect(p.view(undefined).resource('podman_container', 'db')).toBeUndefined();
    expect(() => p.view(undefined).unpredictable('build', 'its output')).toThrow(new Unpredictable('build', 'its output'));
  });
});

describe('check mode predicts through the runner', () => {
  it("a later task's plan sees an earlier task's predicted change (and no change when it matches)", async () => {
    const plays = [
      play({
        hosts: 'h1',
        ...noFacts,
        tasks: [task('set a', setv({ key: 'a', value: '1' })), task('set a again', setv({ key: 'a', value: '1' })), task('set a to 2', setv({ key: 'a', value: '2' }))],
      }),
    ];
    const check = await runPlays(plays, { check: true, diff: true }, { hosts: ['h1'] });
    expect(check.world.applied).toEqual([]);
    const real = await runPlays(plays, { diff: true }, { hosts: ['h1'] });
    const summary = (r: typeof check) => r.rec.events.flatMap((e) => (e.type === 'host_result' ? [{ task: e.task, status: e.status, diffs: e.diffs }] : []));
    expect(summary(check)).toEqual(summary(real));
    expect(check.rec.lines).toEqual(['set a h1 changed', 'set a again h1 ok', 'set a to 2 h1 changed']);
  });

  it("a `when` reading a would-run command's output depends on it; reading `changed` does not", async () => {
    const out = cmd({ cmd: 'exit 0' });
    const build = task('build', out, { register: 'built' });
    const { rec, code } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          tasks: [
            build,
            task('on output', setv({ key: 'b', value: '1' }), { when: (h) => build.result(h)?.stdout === 'out h1', register: 'dep' }),
            task('on changed', setv({ key: 'c', value: '1' }), { when: (h) => build.result(h)?.changed === true }),
            task('on the dependent', setv({ key: 'd', value: '1' }), { when: (h) => (h.vars.dep as { skipped?: boolean }).skipped === true }),
          ],
        }),
      ],
      { check: true },
      { hosts: ['h1'] },
    );
    expect(code).toBe(0);
    const results = rec.events.filter((e) => e.type === 'host_result');
    expect(results.map((e) => e.type === 'host_result' && [e.task, e.status, e.dependsOn])).toEqual([
      ['build', 'changed', undefined],
      ['on output', 'skipped', 'build'],
      ['on changed', 'changed', undefined],
      ['on the dependent', 'skipped', 'build'],
    ]);
    expect(results[1]).toMatchObject({ result: { skip_reason: "depends on an earlier task that would run ('build'): its stdout is known only once it ran" } });
  });

  it('a registered dependent result is unknown in turn; params computed from output depend too', async () => {
    const build = task('build', cmd({ cmd: 'exit 0' }));
    const dep = task('dep', setv({ key: 'b', value: '1' }), { when: (h) => build.result(h)?.rc === 0, register: 'dep' });
    const { rec } = await runPlays(
      [
        play({
          hosts: 'h1',
          ...noFacts,
          tasks: [
            build,
            dep,
            task('reads dep', setv({ key: 'c', value: '1' }), { when: (h) => dep.result(h)?.changed === true }),
            task('params', setv((h) => ({ key: 'e', value: String(build.result(h)?.stdout) }))),
          ],
        }),
      ],
      { check: true },
      { hosts: ['h1'] },
    );
    expect(rec.events.flatMap((e) => (e.type === 'host_result' ? [[e.task, e.status, e.dependsOn]] : []))).toEqual([
      ['build', 'changed', undefined],
      ['dep', 'skipped', 'build'],
      ['reads dep', 'skipped', 'build'],
      ['params', 'skipped', 'build'],
    ]);
  });

  it('changed_when on a would-run command stays "would run" in check; it decides in the real run', async () => {
    const plays = [
      play({ hosts: 'h1', ...noFacts, tasks: [task('probe', cmd({ cmd: 'exit 0' }), { changed_when: (r) => r.rc !== 0 })] }),
    ];
    const check = await runPlays(plays, { check: true }, { hosts: ['h1'] });
    expect(check.rec.events.find((e) => e.type === 'host_result')).toMatchObject({ status: 'changed', wouldRun: true });
    const real = await runPlays(plays, {}, { hosts: ['h1'] });
    expect(real.rec.lines).toEqual(['probe h1 ok']);
  });

  it('a handler notified by a predicted change runs in check as it would; not when the prediction is no change', async () => {
    const plays = [
      play({
        hosts: 'h1',
        ...noFacts,
        tasks: [task('set a', setv({ key: 'a', value: '1' })), task('set a again', setv({ key: 'a', value: '1' }), { notify: 'h' })],
        handlers: [handler('h', setv({ key: 'h', value: '1' }))],
      }),
      play({
        hosts: 'h1',
        ...noFacts,
        tasks: [task('set b', setv({ key: 'b', value: '1' }), { notify: 'h2' })],
        handlers: [handler('h2', setv({ key: 'h', value: '2' }))],
      }),
    ];
    const check = await runPlays(plays, { check: true }, { hosts: ['h1'] });
    const real = await runPlays(plays, {}, { hosts: ['h1'] });
    expect(check.rec.lines).toEqual(['set a h1 changed', 'set a again h1 ok', 'set b h1 changed', 'h2 h1 changed']);
    expect(real.rec.lines).toEqual(check.rec.lines);
  });

  it('block/rescue around a failure that exists only in the prediction', async () => {
    const plays = [
      play({
        hosts: 'h1',
        ...noFacts,
        tasks: [
          task('set a', setv({ key: 'a', value: 'bad' })),
          block({
            block: [task('refuses bad', setv({ key: 'a', value: 'good', failIf: 'bad' }))],
            rescue: [task('rescued', setv({ key: 'r', value: '1' }))],
          }),
        ],
      }),
    ];
    const check = await runPlays(plays, { check: true }, { hosts: ['h1'] });
    const real = await runPlays(plays, {}, { hosts: ['h1'] });
    expect(check.rec.lines).toEqual(['set a h1 changed', 'refuses bad h1 failed', 'rescued h1 changed']);
    expect(real.rec.lines).toEqual(check.rec.lines);
    expect(check.rec.recap.h1).toMatchObject({ rescued: 1, failed: 0 });
  });

  it('predictions are per host and per run; a real run keeps none', async () => {
    const plays = [play({ hosts: 'all', ...noFacts, tasks: [task('set a', setv((h) => ({ key: 'a', value: h.host }))), task('again', setv({ key: 'a', value: 'h1' }))] })];
    const check = await runPlays(plays, { check: true }, { hosts: ['h1', 'h2'] });
    expect(check.rec.grouped).toEqual(['set a h1 changed', 'set a h2 changed', 'again h1 ok', 'again h2 changed']);
  });
});
