/** The probes' builtin-only shell fragments, run by the local /bin/sh against the tools they replace. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirnameLines, idLookupLines, parseIds, parseProbe, UMASK_LINE } from '../../../modules/_lib/probe.js';
import { sh } from '../../../runner/shell.js';

const run = (script: string): string => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });

describe('probe shell fragments', () => {
  it('dirnameLines gives what dirname gives', () => {
    const paths = ['/etc/motd', '/etc/motd/', '/etc//motd', 'motd', 'a/b', 'a/b//', '/', '//', '/motd', '//motd', '.', '..', 'a/'];
    for (const p of paths) {
      const ours = run(`${sh`x=${p}`}\n${dirnameLines('x', 'y')}\nprintf '%s' "$y"`);
      expect([p, ours]).toEqual([p, execFileSync('dirname', ['--', p], { encoding: 'utf8' }).replace(/\n$/, '')]);
    }
  });

  it('umask comes from the builtin, in the form parseUmask reads', () => {
    expect(run(`umask 027; ${UMASK_LINE}`)).toBe('umask 0027\n');
  });

  it('idLookupLines finds names in /etc/passwd and /etc/group, and prints nothing for unknown ones', () => {
    const uid = Number(run('id -u'));
    const name = run('id -un').trim();
    const group = run('id -gn').trim();
    const { fields } = parseProbe(Buffer.from(run(idLookupLines(name, group))));
    expect(parseIds(fields, name, group)).toEqual({ uid, gid: Number(run('id -g')) });
    const none = parseProbe(Buffer.from(run(idLookupLines('no-such-user-hw', 'no-such-group-hw')))).fields;
    expect(parseIds(none, 'no-such-user-hw', 'no-such-group-hw')).toEqual({ uid: null, gid: null });
  });

  it('a directory with only a dotfile is not empty; one without entries is', async () => {
    const { fileProbeScript, parseFileProbe } = await import('../../../modules/file.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'hw-empty-'));
    const probe = (): boolean | undefined => parseFileProbe(Buffer.from(run(fileProbeScript({ path: dir, state: 'directory' }))), { path: dir }).dirEmpty;
    expect(probe()).toBe(true);
    writeFileSync(path.join(dir, '.hidden'), '');
    expect(probe()).toBe(false);
  });
});
