import { describe, expect, it } from 'vitest';
import { parseJumpHops, parseSshConfig, resolveSshConfig, type IncludeLoader } from '../../../runner/connection/ssh-config.js';

const ctx = { home: '/home/me', localUser: 'me' };
const resolve = (text: string, host: string, include?: IncludeLoader) =>
  resolveSshConfig(parseSshConfig(text, '/home/me/.ssh/config', include), host, ctx);

describe('ssh config', () => {
  const config = `
# global defaults come last in a real file, so specific blocks win
Host web?  !web9
  HostName %h.example.com
  User deploy
  IdentityFile ~/.ssh/web_ed25519

Host db* "cache 1"
  HostName=10.0.0.5
  Port 2222
  ProxyJump admin@bastion:2200

Host *.internal
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null

Host *
  User fallback
  Port 22
  IdentityFile %d/.ssh/id_%u
  UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts2
`;

  it('applies the first value obtained for each keyword and accumulates IdentityFile', () => {
    expect(resolve(config, 'web1')).toEqual({
      hostName: 'web1.example.com',
      user: 'deploy',
      port: 22,
      identityFiles: ['/home/me/.ssh/web_ed25519', '/home/me/.ssh/id_me'],
      knownHostsFiles: ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts2'],
    });
  });

  it('honours negated patterns', () => {
    const r = resolve(config, 'web9');
    expect(r.hostName).toBeUndefined();
    expect(r.user).toBe('fallback');
  });

  it('reads Key=value, ports and ProxyJump', () => {
    const r = resolve(config, 'db1');
    expect(r).toMatchObject({ hostName: '10.0.0.5', port: 2222, proxyJump: 'admin@bastion:2200', user: 'fallback' });
  });

  it('matches quoted patterns and leaves unmatched hosts to later blocks', () => {
    expect(resolve(config, 'cache 1').port).toBe(2222);
    expect(resolve(config, 'other').port).toBe(22);
  });

  it('turns StrictHostKeyChecking no into an opt-out and keeps UserKnownHostsFile first value', () => {
    const r = resolve(config, 'x.internal');
    expect(r.strictHostKeyChecking).toBe(false);
    expect(r.knownHostsFiles).toEqual(['/dev/null']);
    expect(resolve(config, 'web1').strictHostKeyChecking).toBeUndefined();
    expect(resolve('StrictHostKeyChecking accept-new', 'a').strictHostKeyChecking).toBe(true);
  });

  it('lets ProxyJump none in an earlier block cancel a later one', () => {
    const r = resolve('Host direct\n  ProxyJump none\nHost *\n  ProxyJump jump\n', 'direct');
    expect(r.proxyJump).toBeUndefined();
    expect(resolve('Host *\n  ProxyJump jump\n', 'direct').proxyJump).toBe('jump');
  });

  it('expands %h and %r in IdentityFile with the final HostName and User', () => {
    const r = resolve('Host a\n HostName real\n User bob\n IdentityFile ~/keys/%r@%h\n', 'a');
    expect(r.identityFiles).toEqual(['/home/me/keys/bob@real']);
  });

  it('expands Include in place, inside the block it is written in', () => {
    const files: Record<string, string> = { '/home/me/.ssh/conf.d/lab': 'Host lab*\n  User labuser\n' };
    const include: IncludeLoader = (pattern) =>
      pattern === 'conf.d/*' ? [{ file: '/home/me/.ssh/conf.d/lab', text: files['/home/me/.ssh/conf.d/lab']! }] : [];
    expect(resolve('Include conf.d/*\nHost *\n  User other\n', 'lab1', include).user).toBe('labuser');
    expect(resolve('Include conf.d/*\nHost *\n  User other\n', 'x', include).user).toBe('other');
  });

  it('skips Match blocks rather than applying them everywhere', () => {
    expect(resolve('Match user root\n  User nobody\nHost *\n  User ok\n', 'a').user).toBe('ok');
  });
});

describe('parseJumpHops', () => {
  it('reads [user@]host[:port] lists, IPv6 in brackets', () => {
    expect(parseJumpHops('bastion')).toEqual([{ host: 'bastion' }]);
    expect(parseJumpHops('ops@b1:2200, b2 ,root@[fd00::1]:22')).toEqual([
      { user: 'ops', host: 'b1', port: 2200 },
      { host: 'b2' },
      { user: 'root', host: 'fd00::1', port: 22 },
    ]);
  });
  it('refuses what it cannot read', () => {
    expect(parseJumpHops('a:b:c')).toBeUndefined();
    expect(parseJumpHops('')).toBeUndefined();
  });
});
