/**
 * The subset of ssh_config(5) Hostwright honours, pure: Host blocks (patterns with `*`, `?`, `!`),
 * HostName (`%h`), User, Port, IdentityFile (several; `~`, `%d`, `%u`, `%h`, `%r`), ProxyJump,
 * UserKnownHostsFile, StrictHostKeyChecking and Include. As in OpenSSH the first value obtained for
 * a keyword wins, except IdentityFile which accumulates. `Match` blocks are not supported: their
 * contents are skipped (so a setting there never applies by surprise).
 */
import { matchPatternList } from './pattern.js';
import type { ConnectSpec } from './types.js';

export interface SshConfigLine {
  keyword: string;
  args: string[];
  file: string;
  line: number;
}

export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  knownHostsFiles?: string[];
  /** false when StrictHostKeyChecking is `no`/`off`. */
  strictHostKeyChecking?: boolean;
}

/** Reads the files an Include pattern names (already glob-expanded), in order. */
export type IncludeLoader = (pattern: string, fromFile: string) => { file: string; text: string }[];

/** Split one line into words: `Key value`, `Key=value`, double-quoted words. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function splitKeyword(line: string): { keyword: string; rest: string } | undefined {
  const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
  if (!m) return undefined;
  return { keyword: m[1]!.toLowerCase(), rest: m[2]! };
}

/**
 * Parse a config file into its lines, with Include expanded in place. An Include inside a Host
 * block is only reached when that block applies, exactly as if the included text were written there.
 */
export function parseSshConfig(text: string, file: string, include?: IncludeLoader, depth = 0): SshConfigLine[] {
  const out: SshConfigLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const kv = splitKeyword(line);
    if (!kv) return;
    const args = words(kv.rest);
    if (kv.keyword === 'include') {
      if (!include || depth >= 16) return;
      for (const pattern of args) {
        for (const inc of include(pattern, file)) out.push(...parseSshConfig(inc.text, inc.file, include, depth + 1));
      }
      return;
    }
    out.push({ keyword: kv.keyword, args, file, line: i + 1 });
  });
  return out;
}

export interface ExpandContext {
  /** The controller's home directory and user name (for `~`, `%d`, `%u`). */
  home: string;
  localUser: string;
}

/** Percent tokens and `~` in path-like values. */
function expandPath(value: string, ctx: ExpandContext, host: string, remoteUser: string | undefined): string {
  const withTilde = value === '~' || value.startsWith('~/') ? ctx.home + value.slice(1) : value;
  return withTilde.replace(/%([%dhur])/g, (_, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return ctx.home;
      case 'h':
        return host;
      case 'u':
        return ctx.localUser;
      default:
        return remoteUser ?? ctx.localUser;
    }
  });
}

/** The settings that apply to `host` (the name as given on the command line / ansible_host). */
export function resolveSshConfig(lines: readonly SshConfigLine[], host: string, ctx: ExpandContext): SshHostConfig {
  const result: SshHostConfig = { identityFiles: [] };
  const rawIdentityFiles: string[] = [];
  let rawKnownHosts: string[] | undefined;
  let applies = true;
  for (const { keyword, args } of lines) {
    if (keyword === 'host') {
      applies = matchPatternList(host, args);
      continue;
    }
    if (keyword === 'match') {
      applies = false;
      continue;
    }
    if (!applies || args.length === 0) continue;
    const value = args[0]!;
    switch (keyword) {
      case 'hostname':
        result.hostName ??= value.replace(/%([%h])/g, (_, t: string) => (t === 'h' ? host : '%'));
        break;
      case 'user':
        result.user ??= value;
        break;
      case 'port':
        if (result.port === undefined && /^\d+$/.test(value)) result.port = Number(value);
        break;
      case 'identityfile':
        rawIdentityFiles.push(value);
        break;
      case 'proxyjump':
        // `none` disables a ProxyJump that a later, broader block would set.
        if (result.proxyJump === undefined) result.proxyJump = value;
        break;
      case 'userknownhostsfile':
        rawKnownHosts ??= args;
        break;
      case 'stricthostkeychecking':
        result.strictHostKeyChecking ??= !['no', 'off'].includes(value.toLowerCase());
        break;
    }
  }
  if (result.proxyJump?.toLowerCase() === 'none') delete result.proxyJump;
  // Tokens expand once everything is known: %h is the final HostName, %r the final User.
  const finalHost = result.hostName ?? host;
  result.identityFiles = rawIdentityFiles.map((f) => expandPath(f, ctx, finalHost, result.user));
  if (rawKnownHosts && rawKnownHosts[0]?.toLowerCase() !== 'none') {
    result.knownHostsFiles = rawKnownHosts.map((f) => expandPath(f, ctx, finalHost, result.user));
  } else if (rawKnownHosts) {
    result.knownHostsFiles = [];
  }
  return result;
}

export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/** Whether `spec` reaches its host through jump hosts (resolved hops, or a ProxyJump to resolve). */
export function hasJumpHosts(spec: Pick<ConnectSpec, 'jump' | 'proxyJump'>): boolean {
  return spec.jump ? spec.jump.length > 0 : Boolean(spec.proxyJump);
}

/** ProxyJump's `[user@]host[:port]` list (IPv6 in brackets); undefined when a hop can't be read. */
export function parseJumpHops(text: string): JumpHop[] | undefined {
  const hops: JumpHop[] = [];
  for (const raw of text.split(',')) {
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:@]+)(?::(\d+))?$/.exec(raw.trim());
    if (!m) return undefined;
    hops.push({
      ...(m[1] ? { user: m[1] } : {}),
      host: m[2]!.replace(/^\[|\]$/g, ''),
      ...(m[3] ? { port: Number(m[3]) } : {}),
    });
  }
  return hops;
}
