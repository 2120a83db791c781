/**
 * The podman modules' planners on probe output recorded from podman 4.3.1 (Debian 12) in a lab
 * host: probe-web.txt is a container made by
 *   podman run -d --name web --env FOO=baz --publish 8080:8080 --stop-timeout 1 localhost/app
 * (localhost/app: FROM an imported busybox tree, COPY index.html, ENV GREETING=hello, CMD httpd),
 * probe-t3.txt one made with every parameter of T3 below, probe-absent.txt a missing container.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { podman_container, podman_image, podman_network, podman_pod, podman_volume } from '../../../modules/index.js';
import { formatDuration, parseDuration, parseSections, parseSize, resourceDiff } from '../../../modules/podman/common.js';
import { containerProbeScript, overlayContainer, parseContainerProbe, planContainer, type ContainerState, type PodmanContainerParams } from '../../../modules/podman/container.js';
import { PredictedState } from '../../../runner/predict.js';
import { normalisePublish, normaliseVolume, parseEnvFile } from '../../../modules/podman/container-spec.js';
import { buildIdentity, CONTEXT_LABEL, imageRef, parseImageProbe, planImage } from '../../../modules/podman/image.js';
import { planImport, importIdentity, SOURCE_LABEL } from '../../../modules/podman/import.js';
import { planNetwork } from '../../../modules/podman/network.js';
import { planPod } from '../../../modules/podman/pod.js';
import { planPrune, parsePruneProbe } from '../../../modules/podman/prune.js';
import { planTag } from '../../../modules/podman/tag.js';
import { planVolume } from '../../../modules/podman/volume.js';
import { hasQuadlet, renderQuadlet, renderUnit, systemdWord } from '../../../modules/podman/systemd.js';

const recorded = (name: string) => readFileSync(new URL(`../../fixtures/podman/${name}`, import.meta.url), 'utf8');

const WEB: PodmanContainerParams = { name: 'web', image: 'localhost/app', env: { FOO: 'baz' }, publish: ['8080:8080'], stop_timeout: 1 };
const T3: PodmanContainerParams = {
  name: 't3', image: 'localhost/app', network: ['appnet'], network_aliases: ['web3'], memory: '64m', cpus: 0.5, pids_limit: 100,
  read_only: true, cap_add: ['NET_ADMIN'], cap_drop: ['CHOWN'], user: '1000', workdir: '/www', volume: ['data:/data', '/tmp:/hosttmp:ro'],
  restart_policy: 'always', label: { a: 'b' }, healthcheck: '/bin/busybox true', healthcheck_interval: '10s', healthcheck_retries: 2,
  healthcheck_start_period: '5s', entrypoint: '/bin/busybox', command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
  publish: ['127.0.0.1:8081:8080/tcp'], stop_timeout: 1,
};

function state(file: string, p: PodmanContainerParams): ContainerState {
  return parseContainerProbe(recorded(file), p);
}

/** The names of the fields a plan's diff shows. */
function diffKeys(p: PodmanContainerParams, file: string): string[] {
  const plan = planContainer(p, state(file, p));
  return (plan.diffs ?? []).flatMap((d) => d.after.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf(':'))));
}

describe('podman_container on recorded inspect output', () => {
  it('parses the probe: uid, container, image', () => {
    const s = state('probe-web.txt', WEB);
    expect(s.uid).toBe(0);
    expect(s.container?.Name).toBe('web');
    expect(s.image?.Id).toBe(s.container?.Image);
    expect(state('probe-absent.txt', { name: 'nope', image: 'localhost/app' }).container).toBeUndefined();
  });

  it('a container made with the same parameters is unchanged: image defaults (GREETING, PATH, CMD, WorkingDir) and podman\'s (TERM, HOSTNAME, caps) are no difference', () => {
    expect(planContainer(WEB, state('probe-web.txt', WEB))).toMatchObject({ changed: false, actions: [] });
    expect(planContainer(T3, state('probe-t3.txt', T3))).toMatchObject({ changed: false, actions: [] });
  });

  it('the diff lists exactly the parameters that differ', () => {
    expect(diffKeys({ ...WEB, env: { FOO: 'bar' } }, 'probe-web.txt')).toEqual(['env']);
    expect(diffKeys({ ...WEB, publish: ['8081:8080'] }, 'probe-web.txt')).toEqual(['publish']);
    expect(diffKeys({ ...T3, memory: '128m', healthcheck_interval: '20s' }, 'probe-t3.txt')).toEqual(['healthcheck_interval', 'memory']);
    expect(diffKeys({ ...T3, cap_drop: [] }, 'probe-t3.txt')).toEqual(['cap_drop']);
    expect(diffKeys({ ...T3, network_aliases: ['other'], restart_policy: 'on-failure:3' }, 'probe-t3.txt')).toEqual(['network_aliases', 'restart_policy']);
    const plan = planContainer({ ...WEB, env: { FOO: 'bar' } }, state('probe-web.txt', WEB));
    expect(plan.diffs?.[0]).toMatchObject({ before: expect.stringContaining('"FOO":"baz"'), after: expect.stringContaining('"FOO":"bar"'), before_header: 'podman_container web' });
    expect(plan.actions.map((a) => (a.kind === 'run' ? a.script.split('\n').pop() : a.kind))).toEqual([
      'podman rm --force -- web',
      'podman run --detach --name web --env FOO=bar --publish 8080:8080 --stop-timeout 1 localhost/app',
    ]);
  });

  it('a parameter removed from the task is a difference (the container goes back to the default)', () => {
    const { memory: _m, user: _u, ...rest } = T3;
    expect(diffKeys(rest, 'probe-t3.txt')).toEqual(['user', 'memory']);
  });

  it('equivalent spellings are no difference: caps without CAP_, sizes, 0.0.0.0, trailing slashes, the image by another name', () => {
    const same: PodmanContainerParams = { ...T3, cap_add: ['cap_net_admin'], cap_drop: ['chown'], memory: '65536k', volume: ['data:/data/', '/tmp/:/hosttmp:ro'] };
    expect(diffKeys(same, 'probe-t3.txt')).toEqual([]);
    expect(diffKeys({ ...WEB, image: 'localhost/app:latest', publish: ['0.0.0.0:8080:8080/tcp'] }, 'probe-web.txt')).toEqual([]);
  });

  it('an image rebuilt under the same name (a new ID) recreates the container', () => {
    const s = state('probe-web.txt', WEB);
    s.image = { ...s.image!, Id: 'f'.repeat(64) };
    const plan = planContainer(WEB, s);
    expect(plan.changed).toBe(true);
    expect(plan.diffs?.[0]?.after).toBe(`image: "${'f'.repeat(64)}"\n`);
  });

  it('a missing image is pulled first; a missing container is created with every field in the diff', () => {
    const s = state('probe-absent.txt', { name: 'nope', image: 'localhost/app' });
    const plan = planContainer({ name: 'nope', image: 'localhost/app' }, { ...s, image: undefined });
    expect(plan.actions.map((a) => (a.kind === 'run' ? a.describe ?? a.script.split('\n').pop() : a.kind))).toEqual(['pull image localhost/app', 'podman run --detach --name nope localhost/app']);
    expect(plan.diffs?.[0]).toMatchObject({ before: 'state: "absent"\n', after: expect.stringContaining('image: "(pull localhost/app)"') });
  });

  it('states: stopped stops, started starts, absent removes; recreate and force_restart act and say they are not idempotent', () => {
    const s = state('probe-web.txt', WEB);
    expect(planContainer({ ...WEB, state: 'stopped' }, s).actions.map((a) => a.kind === 'run' && a.script.split('\n').pop())).toEqual(['podman stop -- web']);
    const stopped = { ...s, container: { ...s.container!, State: { ...s.container!.State, Running: false } } };
    expect(planContainer(WEB, stopped).actions.map((a) => a.kind === 'run' && a.script.split('\n').pop())).toEqual(['podman start -- web']);
    expect(planContainer({ ...WEB, state: 'present' }, stopped).changed).toBe(false);
    expect(planContainer({ name: 'web', state: 'absent' }, s).actions.map((a) => a.kind === 'run' && a.script.split('\n').pop())).toEqual(['podman rm --force -- web']);
    expect(planContainer({ ...WEB, recreate: true }, s)).toMatchObject({ changed: true, nonIdempotent: true });
    expect(planContainer({ ...WEB, force_restart: true }, s)).toMatchObject({ changed: true, nonIdempotent: true });
  });

  it('wait_healthy adds a wait that prints the health log and times out', () => {
    const s = state('probe-absent.txt', { name: 'nope', image: 'localhost/app' });
    const plan = planContainer({ name: 'nope', image: 'localhost/app', healthcheck: 'true', wait_healthy: 30 }, s);
    expect(plan.actions.at(-1)).toMatchObject({ kind: 'wait', describe: 'container nope to be healthy', timeoutMs: 30_000, script: expect.stringContaining('podman healthcheck run nope') });
  });

  it('the probe is one script: env and XDG_RUNTIME_DIR, container and image inspect', () => {
    const script = containerProbeScript(WEB);
    expect(script).toContain('podman container inspect -- web');
    expect(script).toContain('podman image inspect -- localhost/app');
    expect(script).toContain('XDG_RUNTIME_DIR=/run/user/$hw_uid');
  });
});

describe('normalising', () => {
  it('publish, volume, sizes, durations, env files', () => {
    expect(normalisePublish('8080')).toBe('::8080/tcp');
    expect(normalisePublish('0.0.0.0:80:8080/udp')).toBe(':80:8080/udp');
    expect(normalisePublish('[::1]:80:8080')).toBe('::1:80:8080/tcp');
    expect(normaliseVolume('/srv//data/:/data:ro,Z')).toBe('/srv/data:/data:ro');
    expect(normaliseVolume('pgdata:/var/lib/postgresql')).toBe('pgdata:/var/lib/postgresql:rw');
    expect(normaliseVolume('/cache')).toBe(':/cache:rw');
    expect([parseSize('512m'), parseSize('1g'), parseSize('100'), parseSize('1.5k'), parseSize('lots')]).toEqual([512 * 1024 ** 2, 1024 ** 3, 100, 1536, undefined]);
    expect([parseDuration('30s'), parseDuration('1m30s'), parseDuration('500ms'), parseDuration('0'), parseDuration('soon')]).toEqual([30e9, 90e9, 5e8, 0, undefined]);
    expect([formatDuration(90e9), formatDuration(5e8), formatDuration(0), formatDuration(3600e9)]).toEqual(['1m30s', '500ms', '0s', '1h0m0s']);
    expect(parseEnvFile('# comment\nA=1\n\n  B=two=2\nBARE\n')).toEqual({ A: '1', B: 'two=2' });
  });
  it('a probe section parser that keeps each command\'s exit code', () => {
    const s = parseSections('::hw-section a\n{"x":1}\n::hw-rc 0\n::hw-section b\n::hw-rc 125\n');
    expect(s.get('a')).toEqual({ out: '{"x":1}', rc: 0 });
    expect(s.get('b')).toEqual({ out: '', rc: 125 });
  });
});

describe('podman parameters', () => {
  it('are checked when the task is written', () => {
    expect(podman_container({ name: 'web', image: 'x' }).issues).toEqual([]);
    expect(podman_container({ name: 'web' }).issues).toEqual([{ field: 'image', message: 'is required for state started' }]);
    expect(podman_container({ name: 'web', state: 'absent' }).issues).toEqual([]);
    expect(podman_container({ name: 'web', image: 'x', memory: 'lots' }).issues.map((i) => i.field)).toEqual(['memory']);
    expect(podman_container({ name: 'web', image: 'x', healthcheck_interval: 'often' }).issues.map((i) => i.field)).toEqual(['healthcheck_interval']);
    expect(podman_container({ name: 'web', image: 'x', publish: ['8000-8010:8000-8010'] }).issues.map((i) => i.field)).toEqual(['publish.0']);
    expect(podman_container({ name: 'web', image: 'x', volume: ['./rel:/data'] }).issues.map((i) => i.field)).toEqual(['volume.0']);
    expect(podman_container({ name: 'web', image: 'x', pod: 'p', publish: ['80'] }).issues.map((i) => i.field)).toEqual(['pod']);
    expect(podman_container({ name: 'web', image: 'x', state: 'present', generate_systemd: {} }).issues.map((i) => i.field)).toEqual(['generate_systemd']);
    expect(podman_container({ name: 'bad name', image: 'x' }).issues.map((i) => i.field)).toEqual(['name']);
    expect(podman_image({ name: 'app', state: 'build' }).issues).toEqual([{ field: 'path', message: 'is required for state build' }]);
    expect(podman_image({ name: 'app', path: 'relative' }).issues.map((i) => i.field)).toEqual(['path']);
    expect(podman_network({ name: 'n', state: 'present' }).issues).toEqual([]);
    expect(podman_volume({ name: 'v', options: ['novalue'] }).issues.map((i) => i.field)).toEqual(['options.0']);
    expect(podman_pod({ name: 'p', state: 'started' }).issues).toEqual([]);
  });
});

describe('podman_image', () => {
  const image = (labels: Record<string, string> = {}) => ({ Id: 'a'.repeat(64), Labels: labels });
  it('builds when the context hash (with the Containerfile name and build args) differs from the image\'s label', () => {
    const p = { name: 'localhost/app', path: '/srv/app' };
    const identity = buildIdentity(p, 'c'.repeat(64));
    expect(buildIdentity({ ...p, build: { build_args: { V: '2' } } }, 'c'.repeat(64))).not.toBe(identity);
    expect(planImage(p, { image: image({ [CONTEXT_LABEL]: identity }), contextHash: 'c'.repeat(64) }).changed).toBe(false);
    const rebuild = planImage(p, { image: image({ [CONTEXT_LABEL]: identity }), contextHash: 'd'.repeat(64) });
    expect(rebuild.changed).toBe(true);
    expect(rebuild.actions[0]!.kind === 'run' && rebuild.actions[0]!.script).toContain(`podman build --quiet --tag localhost/app:latest --label ${CONTEXT_LABEL}=`);
    expect(planImage(p, { contextMissing: true }).failed).toContain('/srv/app');
  });
  it('pulls a missing image, leaves a present one, removes on absent', () => {
    expect(imageRef({ name: 'registry:5000/web' })).toBe('registry:5000/web:latest');
    expect(imageRef({ name: 'web:1.2', tag: 'x' })).toBe('web:1.2');
    const pull = planImage({ name: 'r:5000/web', validate_certs: false }, {});
    expect(pull.actions[0]!.kind === 'run' && pull.actions[0]!.script).toContain('podman pull --quiet --tls-verify=false -- r:5000/web:latest');
    expect(planImage({ name: 'web' }, { image: image() }).changed).toBe(false);
    expect(planImage({ name: 'web', state: 'absent' }, {}).changed).toBe(false);
    expect(planImage({ name: 'web', state: 'absent' }, { image: image() }).changed).toBe(true);
  });
  it('parses the context hash section', () => {
    expect(parseImageProbe(`::hw-section image\n[]\n::hw-rc 125\n::hw-section context\n${'e'.repeat(64)}\n::hw-rc 0\n`)).toEqual({ contextHash: 'e'.repeat(64) });
    expect(parseImageProbe('::hw-section image\n::hw-rc 125\n::hw-section context\n::hw-rc 1\n')).toEqual({ contextMissing: true });
  });
  it('import, tag and prune are idempotent by what they observe', () => {
    const p = { src: '/tmp/root.tar', repository: 'localhost/base' };
    const id = importIdentity(p, 'f'.repeat(64));
    expect(planImport(p, { srcHash: 'f'.repeat(64), image: image({ [SOURCE_LABEL]: id }) }).changed).toBe(false);
    expect(planImport(p, { srcHash: '0'.repeat(64), image: image({ [SOURCE_LABEL]: id }) }).changed).toBe(true);
    expect(planImport(p, {}).failed).toContain('/tmp/root.tar');
    expect(planTag({ image: 'app', target_names: ['app:v1'] }, { image: image(), targets: { 'app:v1': 'a'.repeat(64) } }).changed).toBe(false);
    expect(planTag({ image: 'app', target_names: ['app:v1', 'app:v2'] }, { image: image(), targets: { 'app:v1': 'a'.repeat(64) } }).actions[0]!.kind === 'run').toBe(true);
    expect(planPrune({}, parsePruneProbe('::hw-section images\n::hw-rc 0\n')).changed).toBe(false);
    const prune = planPrune({}, parsePruneProbe('::hw-section images\nsha256:1\nsha256:2\n::hw-rc 0\n'));
    expect(prune.actions[0]!.kind === 'run' && prune.actions[0]!.script.split('\n').pop()).toBe('podman rmi -- sha256:1 sha256:2 >/dev/null');
  });
});

describe('podman_network, podman_volume, podman_pod', () => {
  it('network: unchanged when equal, recreated with a diff of the differing settings', () => {
    const n = { name: 'appnet', driver: 'bridge', subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }], internal: false, dns_enabled: true, ipv6_enabled: false, labels: null };
    expect(planNetwork({ name: 'appnet' }, { network: n }).changed).toBe(false);
    expect(planNetwork({ name: 'appnet', subnet: '10.89.0.0/24' }, { network: n }).changed).toBe(false);
    const plan = planNetwork({ name: 'appnet', internal: true }, { network: n });
    expect(plan.diffs?.[0]).toEqual(resourceDiff('podman_network', 'appnet', { internal: false }, { internal: true }, ['internal']));
    const create = planNetwork({ name: 'appnet' }, {}).actions[0]!;
    expect(create.kind === 'run' && create.script).toContain('podman network create --driver bridge -- appnet');
  });
  it('volume: options and labels compared', () => {
    const v = { Name: 'data', Driver: 'local', Labels: {}, Options: {} };
    expect(planVolume({ name: 'data' }, { volume: v }).changed).toBe(false);
    expect(planVolume({ name: 'data', label: { app: 'pg' } }, { volume: v }).summary).toBe('recreated volume data (label differ)');
    expect(planVolume({ name: 'data', state: 'absent' }, {}).changed).toBe(false);
  });
  it('pod: ports, networks and labels compared; started when not running', () => {
    const pod = { Id: 'p', Name: 'pod1', State: 'Created', Labels: {}, InfraConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8095' }] }, Networks: ['podman'] } };
    expect(planPod({ name: 'pod1', publish: ['8095:80'] }, { uid: 0, pod }).changed).toBe(false);
    expect(planPod({ name: 'pod1', publish: ['8095:80'], state: 'started' }, { uid: 0, pod }).summary).toBe('started pod pod1');
    expect(planPod({ name: 'pod1', publish: ['8096:80'] }, { uid: 0, pod }).diffs?.[0]?.after).toBe('publish: [":8096:80/tcp"]\n');
  });
});

describe('systemd units and quadlet files', () => {
  const c: PodmanContainerParams = { name: 'web', image: 'localhost/app', env: { MSG: 'hello world' }, publish: ['8080:8080'], command: ['httpd', '-f'], memory: '64m', healthcheck: 'wget -q -O- http://localhost:8080/', read_only: true };
  it('quotes words the way systemd splits them', () => {
    expect(systemdWord('plain-word')).toBe('plain-word');
    expect(systemdWord('two words')).toBe('"two words"');
    expect(systemdWord('50%')).toBe('"50%%"');
    expect(systemdWord('$HOME')).toBe('"$$HOME"');
    expect(systemdWord('say "hi"')).toBe('"say \\"hi\\""');
  });
  it('podman 4.4 and later gets quadlet', () => {
    expect([hasQuadlet('4.3.1'), hasQuadlet('4.4.0'), hasQuadlet('5.0.2'), hasQuadlet('')]).toEqual([false, true, true, false]);
  });
  it('a unit for podman 4.3 runs the module\'s own podman run in the foreground, with --replace', () => {
    const unit = renderUnit('web', c, {});
    expect(unit).toContain('ExecStart=/usr/bin/podman run --replace --name web --env "MSG=hello world" --publish 8080:8080 --health-cmd "wget -q -O- http://localhost:8080/" --memory 64m --read-only localhost/app httpd -f\n');
    expect(unit).toContain('ExecStop=/usr/bin/podman stop --ignore -t 10 web\n');
    expect(unit).toContain('Restart=always\n');
    expect(unit).toContain('WantedBy=multi-user.target\n');
  });
  it('the quadlet file uses quadlet\'s keys and PodmanArgs for the rest', () => {
    expect(renderQuadlet('web', c, { restart_policy: 'on-failure' })).toBe(`# Managed by Hostwright (podman_container web); changes here are overwritten.
[Unit]
Description=Podman container web

[Container]
ContainerName=web
Image=localhost/app
Environment="MSG=hello world"
PublishPort=8080:8080
HealthCmd="wget -q -O- http://localhost:8080/"
ReadOnly=true
PodmanArgs=--memory 64m
Exec=httpd -f

[Service]
Restart=on-failure
TimeoutStopSec=70

[Install]
WantedBy=multi-user.target default.target
`);
  });
});

describe('check mode: effects of earlier podman tasks', () => {
  it('an image build predicted by an earlier task recreates the container; a replaced pod means a new container', () => {
    const s = state('probe-web.txt', WEB);
    const build = planImage({ name: 'localhost/app', path: '/srv/app' }, { image: s.image!, contextHash: 'c'.repeat(64) });
    expect(build.effects).toEqual([{ kind: 'resource', type: 'podman_image', key: 'localhost/app:latest', state: 'present', attrs: { id: null } }]);
    const predicted = new PredictedState();
    expect(planContainer(WEB, overlayContainer(s, predicted.view(undefined), WEB)).changed).toBe(false);
    predicted.record(build.effects!, 'build app');
    const plan = planContainer(WEB, overlayContainer(s, predicted.view(undefined), WEB));
    expect(plan.changed).toBe(true);
    expect(plan.diffs?.[0]?.after).toBe(`image: "(made by 'build app')"\n`);
    expect(plan.effects).toEqual([{ kind: 'resource', type: 'podman_container', key: 'web', state: 'present' }]);

    const pod = planPod({ name: 'pod1', publish: ['8096:80'] }, { uid: 0, pod: { Id: 'p', Name: 'pod1', State: 'Created', InfraConfig: { PortBindings: {}, Networks: ['podman'] } } });
    predicted.record(pod.effects!, 'pod');
    const inPod = { name: 'web', image: 'localhost/app', pod: 'pod1' };
    const after = planContainer(inPod, overlayContainer({ ...s, pod: { Id: 'p', Name: 'pod1', State: 'Created' } }, predicted.view(undefined), inPod));
    expect(after.summary).toBe('created container web');
  });
});

describe('podman_container with generate_systemd', () => {
  const p: PodmanContainerParams = { ...WEB, generate_systemd: {} };
  const s = (version: string, content?: string, active = false): ContainerState => ({
    ...state('probe-web.txt', WEB),
    unit: { ...(content !== undefined ? { content } : {}), active, enabled: content !== undefined, podmanVersion: version, systemd: true },
  });
  const steps = (plan: ReturnType<typeof planContainer>) => plan.actions.map((a) => (a.kind === 'write' ? `write ${a.path}` : a.kind === 'run' ? (a.describe ?? a.script.split('\n').pop()) : a.kind));

  it('podman 4.3: a unit, enabled and (re)started; the next run with it active changes nothing', () => {
    const plan = planContainer(p, s('4.3.1'));
    expect(steps(plan)).toEqual([
      'write /etc/systemd/system/container-web.service',
      'systemctl daemon-reload',
      'systemctl enable -- container-web.service',
      'systemctl restart -- container-web.service',
      'wait for container web to run',
    ]);
    expect(plan.effects).toContainEqual({ kind: 'service', name: 'container-web.service', running: true, enabled: true });
    expect(planContainer(p, s('4.3.1', renderUnit('web', p, {}), true)).changed).toBe(false);
  });
  it('podman 4.4: a quadlet file, which systemd\'s generator turns into the unit (nothing to enable)', () => {
    expect(steps(planContainer(p, s('4.4.1')))).toEqual([
      'write /etc/containers/systemd/container-web.container',
      'systemctl daemon-reload',
      'systemctl restart -- container-web.service',
      'wait for container web to run',
    ]);
  });
  it('needs systemd', () => {
    const plain = s('4.3.1');
    expect(planContainer(p, { ...plain, unit: { ...plain.unit!, systemd: false } }).failed).toBe('generate_systemd needs a host whose init is systemd');
  });
});
