/**
 * What a package apt would newly install brings, for check mode only: its files, its new
 * directories and the services its maintainer script enables and starts. A later task of the same
 * check run (a line in the package's config file, the package's service started) is then planned
 * against the host as the install would leave it, as in the real run.
 *
 * Read from the packages themselves: the transaction's .debs are downloaded into a private temp
 * directory (the host's apt cache, lists and dpkg state are not touched) and listed with dpkg-deb.
 * What each declares:
 * - a configuration file: its content (dpkg installs a new package's files verbatim), mode and
 *   owner. Configuration is /etc, and /usr/lib/<package> when the package also ships
 *   /etc/<package> (the vendor defaults that /etc overrides: firewalld's zones and services);
 * - any other file: that it exists (its content is not read: binaries, documentation);
 * - a link: its target;
 * - a directory the host does not have yet: created, with its mode. In configuration it holds
 *   exactly what the package lists, unless a maintainer script of the transaction names it (so a
 *   directory made for a certificate in /etc/haproxy is known to be new); anywhere else what the
 *   package does not list below it is unknown (py3compile's caches, a service's data under /var);
 * - a service (an init script or a systemd unit): enabled and running as its postinst says
 *   (update-rc.d/deb-systemd-helper enable; invoke-rc.d/deb-systemd-invoke start, the latter only
 *   where systemd is the init, as the postinst checks), unless the host's policy-rc.d forbids it.
 * Not known: files a maintainer script writes outside the package's new directories, or into a new
 * configuration directory without naming it (a program it runs that fills the directory: the
 * limit of reading the scripts' text), users it creates; packages upgraded (not newly installed)
 * declare only their new version.
 */
import { posix } from 'node:path';
import type { Effect, PathEffect } from '../../runner/module.types.js';
import { raw, sh } from '../../runner/shell.js';

/** Configuration files larger than this are declared without their content. */
const MAX_CONTENT = 256 * 1024;

/**
 * The script: download the transaction `apt-get install <args>` into a temp dir and, for each
 * package, print its listing, the postinst lines about services, its /etc files' content and
 * which of its directories the host lacks. `aptArgs`: the same options the simulation used.
 */
export function contentsScript(aptArgs: string): string {
  return `export DEBIAN_FRONTEND=noninteractive LC_ALL=C LANG=C
d=$(mktemp -d /tmp/.hostwright-debs.XXXXXXXX) || exit 1
[ -d /run/systemd/system ] && echo '::systemd::'
trap 'rm -rf -- "$d"' EXIT
if ! err=$(apt-get -q -d -y -o APT::Sandbox::User=root -o Dir::Cache::Archives="$d" ${aptArgs} 2>&1 >/dev/null); then
  printf '::fail:: %s\\n' "$err" | tr '\\n' ' '; echo; exit 0
fi
for deb in "$d"/*.deb; do
  [ -e "$deb" ] || continue
  printf '::deb:: %s\\n' "$(dpkg-deb -f "$deb" Package)"
  dpkg-deb -c "$deb" > "$d/list" || exit 1
  cat "$d/list"
  echo '::newdirs::'
  while IFS= read -r l; do
    case $l in d*) p="/\${l#* ./}"; p=\${p%/}; [ -n "$p" ] && [ ! -d "$p" ] && printf '%s\\n' "$p" ;; esac
  done < "$d/list"
  echo '::postinst::'
  dpkg-deb -I "$deb" postinst 2>/dev/null | grep -E 'update-rc\\.d|deb-systemd-helper|invoke-rc\\.d|deb-systemd-invoke' || true
  echo '::scripts::'
  for s in preinst postinst triggers; do dpkg-deb -I "$deb" "$s" 2>/dev/null; done | base64 -w0; echo
  echo '::policy::'
  if [ -x /usr/sbin/policy-rc.d ]; then
    sed -n -e 's#^.* \\./etc/init\\.d/\\([^/][^/]*\\)$#\\1#p' -e 's#^.* \\./\\(usr/\\)\\{0,1\\}lib/systemd/system/\\([^/@][^/]*\\)\\.service$#\\2#p' "$d/list" | sort -u |
      while IFS= read -r s; do /usr/sbin/policy-rc.d "$s" start >/dev/null 2>&1; printf '%s %s\\n' "$s" "$?"; done
  fi
  echo '::etc::'
  rm -rf "$d/x"; mkdir "$d/x"
  pkg=$(dpkg-deb -f "$deb" Package)
  set -- './etc/*'
  grep -q " \\./etc/$pkg/\$" "$d/list" && set -- "$@" "./usr/lib/$pkg/*"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d/x" --wildcards "$@" 2>/dev/null
  for c in "$d/x/etc" "$d/x/usr/lib/$pkg"; do
    [ -d "$c" ] || continue
    find "$c" -type f -size -${MAX_CONTENT + 1}c | while IFS= read -r f; do
      printf '%s %s\\n' "$(printf '%s' "\${f#"$d/x"}" | base64 -w0)" "$(base64 -w0 < "$f")"
    done
  done
  echo '::end::'
done
`;
}

/** The `install` arguments for contentsScript, as the simulation was asked. */
export function contentsArgs(lists: string | undefined, options: string[], args: string[]): string {
  const o = lists ? sh`-o Dir::State::Lists=${lists} -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=` : '';
  return sh`${raw(o)} ${options} install ${args}`;
}

export interface ListedPath {
  path: string;
  type: 'file' | 'directory' | 'link' | 'other';
  mode: number;
  owner: string;
  group: string;
  /** Link target. */
  src?: string;
}

export interface PackageContents {
  name: string;
  paths: ListedPath[];
  /** Directories of the package the host does not have. */
  newDirs: string[];
  /** Postinst lines naming update-rc.d, invoke-rc.d, deb-systemd-helper or -invoke. */
  postinst: string[];
  /** policy-rc.d's exit status per service, when the host has one. */
  policy: Map<string, number>;
  /** Configuration files' content (/etc, and /usr/lib/<package> beside an /etc/<package>). */
  etc: Map<string, Buffer>;
  /** The text of its preinst, postinst and triggers (what may write into its new directories). */
  scripts: string;
}

/** What the whole transaction tells about each package's effects. */
export interface Transaction {
  /** systemd is the host's init (deb-systemd-invoke starts units only then). */
  systemd: boolean;
  /** Every package's maintainer scripts, together: one package's may write into another's directories. */
  scripts: string;
}

/** The packages of a transaction, and whether systemd is the host's init. */
export interface Contents {
  packages: PackageContents[];
  systemd: boolean;
}

export type ContentsOutput = { failed: string } | Contents;

/** `-rwsr-sr-x` → 0o6755. */
export function parseMode(perms: string): number {
  const bit = (c: string | undefined, on: string) => (c !== undefined && on.includes(c) ? 1 : 0);
  let mode = 0;
  for (let i = 0; i < 9; i++) {
    const c = perms[i + 1];
    const execChar = i % 3 === 2;
    const set = execChar ? bit(c, 'xst') : c !== '-' ? 1 : 0;
    mode |= set << (8 - i);
  }
  if ('sS'.includes(perms[3] ?? '')) mode |= 0o4000;
  if ('sS'.includes(perms[6] ?? '')) mode |= 0o2000;
  if ('tT'.includes(perms[9] ?? '')) mode |= 0o1000;
  return mode;
}

/** One `dpkg-deb -c` line: `perms owner/group size date time ./path[ -> target]`. */
export function parseListing(line: string): ListedPath | undefined {
  const m = /^(\S{10}) (\S+?)\/(\S+)\s+\d+ \S+ \S+ \.(\/.*)$/.exec(line);
  if (!m) return undefined;
  const [, perms, owner, group, rest] = m as unknown as [string, string, string, string, string];
  const kind = perms[0];
  let p = rest;
  let src: string | undefined;
  if (kind === 'l') {
    const arrow = rest.indexOf(' -> ');
    if (arrow >= 0) [p, src] = [rest.slice(0, arrow), rest.slice(arrow + 4)];
  }
  p = p.length > 1 ? p.replace(/\/$/, '') : p;
  const type = kind === 'd' ? 'directory' : kind === 'l' ? 'link' : kind === '-' || kind === 'h' ? 'file' : 'other';
  return { path: p, type, mode: parseMode(perms), owner, group, ...(src !== undefined ? { src } : {}) };
}

export function parseContents(out: string): ContentsOutput {
  const fail = /^::fail:: (.*)$/m.exec(out);
  if (fail) return { failed: fail[1]!.trim() };
  const packages: PackageContents[] = [];
  let cur: PackageContents | undefined;
  let section = '';
  for (const line of out.split('\n')) {
    const deb = /^::deb:: (.+)$/.exec(line);
    if (deb) {
      cur = { name: deb[1]!, paths: [], newDirs: [], postinst: [], policy: new Map(), etc: new Map(), scripts: '' };
      packages.push(cur);
      section = 'list';
      continue;
    }
    if (!cur || line === '') continue;
    const marker = /^::(newdirs|postinst|scripts|policy|etc|end)::$/.exec(line);
    if (marker) {
      section = marker[1]!;
      continue;
    }
    if (section === 'list') {
      const listed = parseListing(line);
      if (listed && listed.path !== '/') cur.paths.push(listed);
    } else if (section === 'newdirs') cur.newDirs.push(line);
    else if (section === 'postinst') cur.postinst.push(line);
    else if (section === 'scripts') cur.scripts += Buffer.from(line, 'base64').toString();
    else if (section === 'policy') {
      const [name, rc] = line.split(' ');
      if (name && rc) cur.policy.set(name, Number(rc));
    } else if (section === 'etc') {
      const [p, content = ''] = line.split(' ');
      if (p) cur.etc.set(Buffer.from(p, 'base64').toString(), Buffer.from(content, 'base64'));
    }
  }
  return { packages, systemd: /^::systemd::$/m.test(out) };
}

/** What the whole transaction (its packages newly installed or not) tells. */
export function transactionOf(c: Contents): Transaction {
  return { systemd: c.systemd, scripts: c.packages.map((p) => p.scripts).join('\n') };
}

/** /etc, and the package's own vendor defaults beside its /etc directory. */
function isConfig(pkg: PackageContents, p: string): boolean {
  const own = `/usr/lib/${pkg.name}`;
  return p.startsWith('/etc/') || ((p === own || p.startsWith(`${own}/`)) && pkg.paths.some((l) => l.path === `/etc/${pkg.name}` && l.type === 'directory'));
}

/** The services a package ships: init scripts and systemd service units, by name. */
function shippedServices(pkg: PackageContents): string[] {
  const names = new Set<string>();
  for (const p of pkg.paths) {
    const init = /^\/etc\/init\.d\/([^/]+)$/.exec(p.path);
    const unit = /^(?:\/usr)?\/lib\/systemd\/system\/([^/@]+)\.service$/.exec(p.path);
    if (p.type !== 'directory' && (init || unit)) names.add((init ?? unit)![1]!);
  }
  return [...names];
}

function mentions(lines: string[], name: string, verbs: RegExp): boolean {
  const quoted = new RegExp(`(^|[\\s'"])${name.replace(/[.+]/g, '\\$&')}(\\.service)?($|[\\s'"])`);
  return lines.some((l) => verbs.test(l) && quoted.test(l));
}

/** The effects of newly installing `pkg` within `tx` (see the file's comment for what is and is not known). */
export function contentsEffects(pkg: PackageContents, tx: Transaction): Effect[] {
  const effects: Effect[] = [];
  const newDirs = new Set(pkg.newDirs);
  const byPath = new Map(pkg.paths.map((p) => [p.path, p]));
  // New directories parents first, each followed by its tree where what the package does not list below it is unknown.
  for (const dir of [...newDirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))) {
    const listed = byPath.get(dir);
    effects.push({ kind: 'path', path: dir, state: 'directory', created: true, ...(listed ? attrs(listed) : {}) });
    if (!isConfig(pkg, dir) || tx.scripts.includes(dir)) effects.push({ kind: 'tree', path: dir });
  }
  for (const p of pkg.paths) {
    if (p.type === 'directory' || p.type === 'other') continue;
    if (p.type === 'link') {
      effects.push({ kind: 'path', path: p.path, state: 'link', created: true, ...(p.src !== undefined ? { src: p.src } : {}) });
      continue;
    }
    const content = pkg.etc.get(p.path);
    effects.push(
      content !== undefined && isConfig(pkg, posix.normalize(p.path))
        ? { kind: 'path', path: p.path, state: 'file', created: true, content, ...attrs(p) }
        : { kind: 'path', path: p.path, state: 'exists' },
    );
  }
  for (const name of shippedServices(pkg)) {
    const enabled = mentions(pkg.postinst, name, /update-rc\.d .*defaults|deb-systemd-helper enable/);
    // deb-systemd-invoke runs only under systemd (the postinst checks /run/systemd/system); invoke-rc.d
    // --skip-systemd-native leaves a unit to it there.
    const unit = pkg.paths.some((p) => new RegExp(`^(/usr)?/lib/systemd/system/${name.replace(/[.+]/g, '\\$&')}\\.service$`).test(p.path));
    const sysv = pkg.postinst.filter((l) => !(tx.systemd && unit && l.includes('--skip-systemd-native')));
    const starts =
      mentions(sysv, name, /invoke-rc\.d .*(start|\$_dh_action)/) || (tx.systemd && mentions(pkg.postinst, name, /deb-systemd-invoke .*(start|\$_dh_action)/));
    const policy = pkg.policy.get(name);
    // policy-rc.d: 0 allowed, 104 allowed (unknown action treated as allowed), 101 forbidden.
    const allowed = policy === undefined || policy === 0 || policy === 104;
    effects.push({ kind: 'service', name, ...(enabled ? { enabled: true } : {}), running: starts && allowed });
  }
  return effects;
}

function attrs(p: ListedPath): Pick<PathEffect, 'mode' | 'owner' | 'group' | 'uid' | 'gid'> {
  return {
    mode: p.mode,
    owner: p.owner,
    group: p.group,
    ...(p.owner === 'root' ? { uid: 0 } : {}),
    ...(p.group === 'root' ? { gid: 0 } : {}),
  };
}
