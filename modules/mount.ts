/**
 * mount: ansible.posix.mount (1.5's Linux behaviour): an fstab entry and/or the mount itself.
 * States: present (fstab only), absent_from_fstab, absent (entry removed; if there was one, the
 * path unmounted and its directory removed), unmounted, mounted (the directory made, the entry
 * written, mounted — or remounted when the entry changed under a mounted path), remounted (always
 * a change), ephemeral (mounted without touching fstab; remounted when already mounted from the
 * same source, refused when from another). fstab lines are Ansible's: `src path fstype opts dump
 * passno`, fields escaped (space \040, & \046, \ \134), a changed entry rewritten in place, a new
 * one appended; `boot: false` adds `noauto`. A non-default `fstab` is passed to mount as `-T`.
 *
 * One probe: the fstab's content and `findmnt` of the path (a bind mount counts, as Ansible's
 * is_bind_mounted). The fstab is written atomically (backup optional); mount/umount run after.
 * Check mode predicts from the same plan (Ansible's too: it never mounts in check mode).
 */
import { defineModule } from '../runner/module.js';
import type { Action, Effect, FileDiff } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { CONTENT_MARK, parseProbe, runProbe } from './_lib/probe.js';
import { mountDefinition, type MountParams } from './mount.params.js';

export type { MountState, MountParams } from './mount.params.js';

export interface MountGathered {
  fstab?: string;
  /** The mount at path (findmnt), if any. */
  mounted?: { source: string; fstype: string; options: string };
  pathExists: boolean;
}

/** fstab's escaping of a field (Ansible's _escape_fstab). */
export function escapeFstab(v: string): string {
  return v.replaceAll('\\', '\\134').replaceAll(' ', '\\040').replaceAll('&', '\\046');
}

/** The entry as the task wants it: Ansible's args (opts with noauto when boot is false). */
export function wantedEntry(p: MountParams): { src: string; name: string; fstype: string; opts: string; dump: string; passno: string; warnings: string[] } {
  const warnings: string[] = [];
  let opts = p.opts ?? 'defaults';
  const list = opts.split(',');
  if (list.includes('noauto')) warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.");
  else if (p.boot === false) {
    if (list.includes('defaults')) warnings.push("Ignore the 'boot' due to 'opts' contains 'defaults'.");
    else opts = [...list, 'noauto'].join(',');
  }
  return { src: p.src ?? '', name: p.path, fstype: p.fstype ?? '', opts, dump: p.dump ?? '0', passno: p.passno ?? '0', warnings };
}

const FIELDS = ['src', 'name', 'fstype', 'opts', 'dump', 'passno'] as const;

/** Ansible's _set_mount_save_old: the fstab with the entry for path set (in place or appended). */
export function setEntry(text: string, e: ReturnType<typeof wantedEntry>): { text: string; changed: boolean } {
  const esc = Object.fromEntries(FIELDS.map((k) => [k, escapeFstab(e[k])])) as Record<(typeof FIELDS)[number], string>;
  const out: string[] = [];
  let exists = false;
  let changed = false;
  for (let line of lines(text)) {
    if (!line.endsWith('\n')) line += '\n';
    const fields = line.split(/\s+/).filter(Boolean);
    if (!line.trim() || line.trim().startsWith('#') || fields.length < 4 || fields.length > 6) {
      out.push(line);
      continue;
    }
    const ld: Record<string, string> = { dump: '0', passno: '0' };
    fields.forEach((f, i) => (ld[FIELDS[i]!] = f));
    if (ld.name !== esc.name || (ld.name === 'none' && ld.fstype === 'swap' && ld.src !== e.src)) {
      out.push(line);
      continue;
    }
    exists = true;
    let differs = false;
    for (const k of ['src', 'fstype', 'opts', 'dump', 'passno'] as const) {
      if (ld[k] !== esc[k]) {
        ld[k] = esc[k];
        differs = true;
      }
    }
    // Ansible's flag stays set for later duplicates of the entry once one differed.
    changed ||= differs;
    out.push(changed ? `${ld.src} ${ld.name} ${ld.fstype} ${ld.opts} ${ld.dump} ${ld.passno}\n` : line);
  }
  if (!exists) {
    out.push(`${esc.src} ${esc.name} ${esc.fstype} ${esc.opts} ${esc.dump} ${esc.passno}\n`);
    changed = true;
  }
  return { text: out.join(''), changed };
}

/** Ansible's unset_mount: the fstab without path's entries. */
export function unsetEntry(text: string, path: string): { text: string; changed: boolean } {
  const name = escapeFstab(path);
  const out: string[] = [];
  let changed = false;
  for (const line of lines(text)) {
    const fields = line.split(/\s+/).filter(Boolean);
    if (!line.trim() || line.trim().startsWith('#') || fields.length < 4 || fields.length > 6 || fields[1] !== name) {
      out.push(line);
      continue;
    }
    changed = true;
  }
  return { text: out.join(''), changed };
}

/** Lines with their newlines (Python's readlines). */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function mountProbe(p: MountParams): string {
  return [
    sh`p=${p.path}; f=${p.fstab ?? '/etc/fstab'}`,
    `if [ -e "$p" ]; then echo path yes; else echo path no; fi`,
    `m=$(findmnt -rn -o SOURCE,FSTYPE,OPTIONS --mountpoint "$p" 2>/dev/null | tail -n 1) && [ -n "$m" ] && echo "mounted $m"`,
    `if [ -f "$f" ]; then echo '${CONTENT_MARK}'; cat -- "$f"; fi`,
    'exit 0',
  ].join('\n') + '\n';
}

export function parseMountProbe(out: Buffer): MountGathered {
  const { fields, content } = parseProbe(out);
  const g: MountGathered = { pathExists: fields.get('path') === 'yes' };
  const m = fields.get('mounted');
  if (m) {
    const [source = '', fstype = '', options = ''] = m.split(' ');
    g.mounted = { source, fstype, options };
  }
  if (content) g.fstab = content.toString('utf8');
  return g;
}

/** mount's `-T fstab` for a non-default fstab (Ansible's _set_fstab_args). */
function fstabArgs(p: MountParams): string[] {
  return p.fstab && p.fstab !== '/etc/fstab' ? ['-T', p.fstab] : [];
}

function mountScript(p: MountParams): string {
  if (p.state === 'ephemeral') {
    const e = wantedEntry(p);
    return sh`mount -t ${e.fstype} ${e.opts !== 'defaults' ? ['-o', e.opts] : []} ${e.src} ${p.path}`;
  }
  return sh`mount ${fstabArgs(p)} ${p.path}`;
}

/** Ansible's remount: `mount -o remount[,opts]`, else umount and mount (not when remounted with opts). */
function remountScript(p: MountParams): string {
  const e = wantedEntry(p);
  const withOpts = p.state === 'remounted' && e.opts !== 'defaults';
  const first = p.state === 'ephemeral'
    ? sh`mount -o remount -t ${e.fstype} ${e.opts !== 'defaults' ? ['-o', e.opts] : []} ${e.src} ${p.path}`
    : sh`mount -o ${withOpts ? `remount,${e.opts}` : 'remount'} ${fstabArgs(p)} ${p.path}`;
  if (withOpts) {
    return `${first} || { echo 'Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. Try replacing this command with a "state: unmounted" followed by a "state: mounted" using the full desired mount options instead.' >&2; exit 1; }`;
  }
  return `${first} 2>/dev/null || { ${sh`umount ${p.path}`} && ${mountScript(p)}; }`;
}

export const mount = defineModule<MountParams, MountGathered>({
  ...mountDefinition,
  async gather(p, probe) {
    return parseMountProbe(Buffer.from((await runProbe(probe, mountProbe(p), p.path)).stdout));
  },
  overlay(s, predicted, p) {
    const fstab = predicted.path(p.fstab ?? '/etc/fstab');
    if (fstab?.state === 'unknown') predicted.unpredictable(fstab.by, `the content of ${p.fstab ?? '/etc/fstab'}`);
    let next = s;
    if (fstab && 'content' in fstab && fstab.content) next = { ...next, fstab: fstab.content.toString('utf8') };
    const m = predicted.resource('mount', p.path);
    if (m) {
      const { mounted: _, ...rest } = next;
      next = m.state === 'present' ? { ...rest, mounted: m.attrs as NonNullable<MountGathered['mounted']>, pathExists: true } : rest;
    }
    const dir = predicted.path(p.path);
    if (dir && dir.state !== 'unknown') next = { ...next, pathExists: dir.state !== 'absent' };
    return next;
  },
  plan(p, s) {
    const e = wantedEntry(p);
    const fstabPath = p.fstab ?? '/etc/fstab';
    const bootNo = p.boot === false && !(p.opts ?? 'defaults').split(',').includes('noauto');
    const result: Record<string, unknown> = {
      name: p.path, ...(p.src !== undefined ? { src: p.src } : {}), ...(p.fstype !== undefined ? { fstype: p.fstype } : {}),
      opts: e.opts, dump: e.dump, passno: e.passno, fstab: fstabPath, boot: bootNo ? 'no' : 'yes', backup_file: '', ...(e.warnings.length ? { warnings: e.warnings } : {}),
    };
    const before = s.fstab ?? '';
    const actions: Action[] = [];
    const effects: Effect[] = [];
    const diffs: FileDiff[] = [];
    const writeFstab = (text: string) => {
      actions.push({ kind: 'write', path: fstabPath, content: text, ...(s.fstab === undefined ? { mode: '0644' } : {}), ...(p.backup ? { backup: true } : {}) });
      effects.push({ kind: 'path', path: fstabPath, state: 'file', content: Buffer.from(text) });
      diffs.push({ before, after: text, before_header: fstabPath, after_header: fstabPath });
    };
    const mounted = (m: boolean) => effects.push({ kind: 'resource', type: 'mount', key: p.path, state: m ? 'present' : 'absent', ...(m ? { attrs: { source: e.src, fstype: e.fstype, options: e.opts } } : {}) });
    const umount = () => actions.push({ kind: 'run', script: sh`umount ${p.path}`, describe: `umount ${p.path}` });
    let changed = false;
    switch (p.state) {
      case 'present':
      case 'absent_from_fstab':
      case 'absent': {
        const next = p.state === 'present' ? setEntry(before, e) : unsetEntry(before, p.path);
        if (!next.changed) break;
        changed = true;
        writeFstab(next.text);
        if (p.state === 'absent') {
          if (s.mounted) {
            umount();
            mounted(false);
          }
          if (s.pathExists) {
            actions.push({ kind: 'run', script: sh`if [ -e ${p.path} ]; then rmdir ${p.path}; fi`, describe: `rmdir ${p.path}` });
            effects.push({ kind: 'path', path: p.path, state: 'absent' });
          }
        }
        break;
      }
      case 'unmounted':
        if (s.mounted) {
          changed = true;
          umount();
          mounted(false);
        }
        break;
      case 'remounted':
        changed = true;
        actions.push({ kind: 'run', script: remountScript(p), describe: `remount ${p.path}` });
        break;
      case 'mounted':
      case 'ephemeral': {
        if (!s.pathExists) {
          actions.push({ kind: 'run', script: sh`mkdir -p ${p.path}`, describe: `mkdir ${p.path}` });
          effects.push({ kind: 'path', path: p.path, state: 'directory', created: true });
        }
        if (p.state === 'mounted') {
          const next = setEntry(before, e);
          if (next.changed) {
            changed = true;
            writeFstab(next.text);
          }
        }
        if (s.mounted) {
          if (p.state === 'ephemeral') {
            if (s.mounted.source !== e.src && !s.mounted.source.endsWith(`[${e.src}]`)) {
              return { changed: false, actions: [], failed: 'Ephemeral mount point is already mounted with a different source than the specified one. Failing in order to prevent an unwanted unmount or override operation. Try replacing this command with a "state: unmounted" followed by a "state: ephemeral", or use a different destination path.', result };
            }
            changed = true;
            actions.push({ kind: 'run', script: remountScript(p), describe: `remount ${p.path}` });
          } else if (changed) {
            actions.push({ kind: 'run', script: remountScript(p), describe: `remount ${p.path}` });
            mounted(true);
          }
        } else {
          // A mount that fails puts the old fstab back and removes the directory it made (Ansible).
          const wrote = actions.some((a) => a.kind === 'write');
          const undo = [
            wrote ? sh`t=$(mktemp ${fstabPath}.XXXXXXXX) && cat > "$t" && chmod 644 "$t" && mv -f "$t" ${fstabPath}` : '',
            !s.pathExists ? sh`rmdir ${p.path} 2>/dev/null` : '',
          ].filter(Boolean).join('; ');
          changed = true;
          actions.push({
            kind: 'run',
            script: undo ? `${mountScript(p)} || { rc=$?; ${undo}; exit $rc; }` : mountScript(p),
            ...(wrote ? { stdin: before } : {}),
            describe: `mount ${p.path}`,
          });
          mounted(true);
        }
        break;
      }
    }
    return { changed, actions, ...(diffs.length ? { diffs } : {}), ...(effects.length ? { effects } : {}), result };
  },
});
