/**
 * Check mode: what a package apt would newly install brings (modules/packages/apt-contents.ts),
 * from the probe's output recorded on a lab host for `apt: name=at install_recommends=false`.
 * A later task sees its config file's content, its new directories and its service as the
 * install leaves them; what the package does not list below a new directory stays unknown.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentsEffects, parseContents, parseListing, parseMode, transactionOf, type PackageContents, type Transaction } from '../../../modules/packages/apt-contents.js';
import { aptEffects } from '../../../modules/packages/predict.js';
import { overlayService, type ServiceState } from '../../../modules/service.js';
import { PredictedState } from '../../../runner/predict.js';

const RECORDED = readFileSync(new URL('../../fixtures/apt/contents-at.out', import.meta.url), 'utf8');

function at(): PackageContents {
  const parsed = parseContents(RECORDED);
  if (!('packages' in parsed)) throw new Error(parsed.failed);
  expect(parsed.packages.map((p) => p.name)).toEqual(['at']);
  return parsed.packages[0]!;
}

/** The recorded host: a plain one (tini), at alone in its transaction. */
const PLAIN: Transaction = { systemd: false, scripts: '' };

describe('apt: what a new package brings, in check mode', () => {
  it('reads modes with setuid, setgid and sticky bits, and listing lines with links', () => {
    expect(parseMode('-rwsr-sr-x')).toBe(0o6755);
    expect(parseMode('drwxrwxrwt')).toBe(0o1777);
    expect(parseMode('-rw-r-----')).toBe(0o640);
    expect(parseListing('lrwxrwxrwx root/root         0 2026-05-27 16:52 ./usr/sbin/exim -> exim4')).toEqual({
      path: '/usr/sbin/exim', type: 'link', mode: 0o777, owner: 'root', group: 'root', src: 'exim4',
    });
    expect(parseListing('drwxr-xr-x root/root         0 2022-10-15 16:20 ./etc/')).toMatchObject({ path: '/etc', type: 'directory' });
  });

  it("declares the config file's content, new directories with their trees, other files, and the service", () => {
    const pkg = at();
    const effects = contentsEffects(pkg, PLAIN);
    const deny = effects.find((e) => e.kind === 'path' && e.path === '/etc/at.deny');
    expect(deny).toMatchObject({ state: 'file', created: true, mode: 0o640, owner: 'root', group: 'daemon', uid: 0 });
    expect((deny as { content: Buffer }).content.toString()).toMatch(/^alias\nbackup\nbin\n/);
    expect(effects).toContainEqual({ kind: 'path', path: '/usr/sbin/atd', state: 'exists' });
    expect(effects).toContainEqual({ kind: 'tree', path: '/usr/share/at' });
    // /lib/systemd/system was already on the host: no new directory, no tree.
    expect(effects.some((e) => (e.kind === 'path' || e.kind === 'tree') && e.path === '/lib/systemd/system')).toBe(false);
    // The postinst runs update-rc.d atd defaults and invoke-rc.d atd start; the host's policy-rc.d allows it.
    expect(effects.filter((e) => e.kind === 'service')).toEqual([{ kind: 'service', name: 'atd', enabled: true, running: true }]);
  });

  it("a policy-rc.d that forbids starting leaves the service stopped; a package without a service declares none", () => {
    const pkg = at();
    pkg.policy.set('atd', 101);
    expect(contentsEffects(pkg, PLAIN).filter((e) => e.kind === 'service')).toEqual([{ kind: 'service', name: 'atd', enabled: true, running: false }]);
    const lib = { ...at(), paths: at().paths.filter((p) => p.path.startsWith('/usr/share/doc')) };
    expect(contentsEffects(lib, PLAIN).some((e) => e.kind === 'service')).toBe(false);
  });

  it('a later task sees the host as the install leaves it', () => {
    const store = new PredictedState();
    store.record(
      aptEffects({ cacheStale: false, dpkg: new Map(), policy: new Map(), steps: [{ op: 'install', name: 'at', to: '3.2.5-1+b1' }], contents: { packages: [at()], systemd: false } }),
      'install at',
    );
    const view = store.view({ uid: 0, gid: 0 });
    expect(view.path('/etc/at.deny')).toMatchObject({ state: 'file', by: 'install at' });
    expect(view.path('/var/spool/cron/atjobs')).toMatchObject({ state: 'directory', created: true });
    // Below a new directory, what the package does not list may come from a maintainer script.
    expect(view.path('/usr/share/at/something-else')).toEqual({ state: 'unknown', path: '/usr/share/at/something-else', by: 'install at' });
    expect(view.path('/usr/share/at/batch-job')).toMatchObject({ state: 'exists' });
    const notFound: ServiceState = { backend: 'sysv', found: false, running: false, enabled: false, enableTool: 'update-rc.d', hasLinks: false };
    expect(overlayService(notFound, view, { name: 'atd', state: 'started', enabled: true })).toMatchObject({ found: true, running: true, enabled: true });
  });

  it("a new configuration directory holds exactly what the package lists, unless a maintainer script names it; its own vendor defaults' content is read", () => {
    // Recorded on a systemd lab host: firewalld ships /etc/firewalld and /usr/lib/firewalld.
    const parsed = parseContents(readFileSync(new URL('../../fixtures/apt/contents-firewalld.out', import.meta.url), 'utf8'));
    if (!('packages' in parsed)) throw new Error(parsed.failed);
    const fw = parsed.packages[0]!;
    const record = (tx: Transaction) => {
      const store = new PredictedState();
      store.record(contentsEffects(fw, tx), 'install firewalld');
      return store.view(undefined);
    };
    const tx = transactionOf(parsed);
    expect(tx.systemd).toBe(true);
    const view = record(tx);
    expect(view.path('/etc/firewalld/services/mine.xml')).toEqual({ state: 'absent', path: '/etc/firewalld/services/mine.xml', by: 'install firewalld' });
    expect(view.entries('/etc/firewalld/zones')).toEqual([]);
    expect(view.entries('/usr/lib/firewalld/zones')).toContain('public.xml');
    expect(String((view.path('/usr/lib/firewalld/zones/public.xml') as { content?: Buffer }).content)).toContain('<short>Public</short>');
    // Not configuration: unknown below, as before.
    expect(view.path('/usr/share/doc/firewalld/other')).toMatchObject({ state: 'unknown' });
    // Its postinst starts it under systemd only.
    expect(contentsEffects(fw, tx).filter((e) => e.kind === 'service')).toEqual([{ kind: 'service', name: 'firewalld', enabled: true, running: true }]);
    expect(contentsEffects(fw, { ...tx, systemd: false }).filter((e) => e.kind === 'service')).toEqual([{ kind: 'service', name: 'firewalld', enabled: true, running: false }]);
    // A maintainer script of the transaction that names the directory may fill it.
    expect(record({ ...tx, scripts: 'install -d /etc/firewalld/services/extra' }).path('/etc/firewalld/services/mine.xml')).toMatchObject({ state: 'unknown' });
  });

  it('an upgraded package (not newly installed) declares only its version', () => {
    const effects = aptEffects({ cacheStale: false, dpkg: new Map(), policy: new Map(), steps: [{ op: 'upgrade', name: 'at', from: '3.2.4', to: '3.2.5-1+b1' }], contents: { packages: [at()], systemd: false } });
    expect(effects).toEqual([{ kind: 'package', name: 'at', state: 'present', version: '3.2.5-1+b1' }]);
  });

  it("apt's download failing is reported as such, not as an empty package list", () => {
    expect(parseContents("::fail:: E: Failed to fetch http://deb/at.deb  404  Not Found \n")).toEqual({ failed: 'E: Failed to fetch http://deb/at.deb  404  Not Found' });
  });
});
