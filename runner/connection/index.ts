/**
 * Opening connections, and turning a host's Ansible variables (+ CLI flags + ~/.ssh/config) into a
 * ConnectSpec with Ansible's precedence: host vars > CLI (-u, --private-key) > ssh config > defaults.
 * Ansible puts its options on ssh's command line (`-o User=`, `-o Port=`, `-o IdentityFile=`) ahead
 * of ansible_ssh_common_args/extra_args, and ssh keeps the first value it sees, then its config.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, basename } from 'node:path';
import { OptionsError } from '../errors.js';
import type { Facts } from '../facts.types.js';
import { isSecret, secret, type Secret } from '../secret.js';
import { shlexSplit, ShlexError } from '../shlex.js';
import { LocalConnection } from './local.js';
import { matchPattern } from './pattern.js';
import { hasJumpHosts, parseJumpHops, parseSshConfig, resolveSshConfig, type IncludeLoader, type SshConfigLine } from './ssh-config.js';
import type { BecomeSpec, ConnectSpec, Connection } from './types.js';

export type { BecomeSpec, ConnectSpec, Connection, ExecOptions, ExecResult } from './types.js';
export { BecomeError, CommandTimeoutError } from './errors.js';

export async function connect(spec: ConnectSpec): Promise<Connection> {
  if (spec.connection === 'local') return new LocalConnection(spec.name);
  // The TCP connection is opened first, so the host's sshd starts (fork, exec, keys) while ssh2
  // (~30 files, loaded by the first ssh connection: a local-only run never needs it) loads here.
  const early = hasJumpHosts(spec) ? undefined : openTcp(spec);
  const { connectSsh } = await import('./ssh.js');
  return connectSsh(spec, early);
}

function openTcp(spec: ConnectSpec): Socket {
  const sock = createConnection({ host: spec.address, port: spec.port });
  // Until ssh2 takes the socket over, an error only destroys it (openClient then dials again).
  sock.once('error', () => sock.destroy());
  return sock;
}

export interface ConnectCliOptions {
  /** -u */
  user?: string;
  /** --private-key */
  privateKeyFile?: string;
  /** -T/--timeout, in ms */
  connectTimeoutMs?: number;
  /** An ssh config file to read instead of ~/.ssh/config and /etc/ssh/ssh_config (ssh -F). */
  sshConfigFile?: string;
  /** Passphrase for encrypted private keys (Ansible has none: it relies on ssh-agent). */
  passphrase?: Secret<string>;
  /** host_key_checking from ansible.cfg or ANSIBLE_HOST_KEY_CHECKING (false: accept any host key). */
  hostKeyChecking?: boolean;
}

type Vars = Record<string, unknown>;

/** The first variable of `names` that is set (Ansible lists ansible_ssh_* last; the last one wins). */
function pick(vars: Vars, ...names: string[]): unknown {
  for (const n of names) if (vars[n] !== undefined && vars[n] !== null && vars[n] !== '') return vars[n];
  return undefined;
}

function str(v: unknown): string | undefined {
  return v === undefined ? undefined : String(v);
}

/** Ansible's boolean conversion (module_utils.parsing.convert_bool). */
export function toBool(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['yes', 'on', '1', 'true', 't', 'y', '1.0'].includes(s)) return true;
  if (['no', 'off', '0', 'false', 'f', 'n', '0.0', ''].includes(s)) return false;
  return undefined;
}

function toSecret(v: unknown): Secret<string> | undefined {
  if (v === undefined) return undefined;
  return isSecret(v) ? (v as Secret<string>) : secret(String(v));
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/** `-o Key=Value`, `-oKey=Value`, `-o Key Value` words of ansible_ssh_common_args/extra_args, plus -J and -i. */
export function parseSshArgs(args: string): { options: Map<string, string>; identityFiles: string[] } {
  const words = shlexSplit(args);
  const options = new Map<string, string>();
  const identityFiles: string[] = [];
  const set = (key: string, value: string) => {
    const k = key.toLowerCase();
    if (k === 'identityfile') identityFiles.push(value);
    else if (!options.has(k)) options.set(k, value);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = () => words[++i] ?? '';
    if (w === '-o' || w.startsWith('-o')) {
      const opt = w === '-o' ? next() : w.slice(2);
      const m = /^(\w+)\s*(?:=\s*|\s+)(.*)$/.exec(opt);
      if (m) set(m[1]!, m[2]!);
      else if (/^\w+$/.test(opt)) set(opt, next());
    } else if (w === '-J') set('proxyjump', next());
    else if (w === '-i') identityFiles.push(next());
    else if (w === '-p') set('port', next());
    else if (w === '-l') set('user', next());
  }
  return { options, identityFiles };
}

const configCache = new Map<string, SshConfigLine[]>();

/** Include's glob: `*` and `?` in the last path component, relative paths from ~/.ssh or /etc/ssh. */
function includeLoader(base: string): IncludeLoader {
  return (pattern) => {
    const path = expandHome(pattern);
    const full = isAbsolute(path) ? path : join(base, path);
    const dir = dirname(full);
    const leaf = basename(full);
    let names: string[];
    try {
      names = /[*?]/.test(leaf) ? readdirSync(dir).filter((n) => matchPattern(n, leaf)).sort() : [leaf];
    } catch {
      return [];
    }
    return names.flatMap((n) => {
      try {
        return [{ file: join(dir, n), text: readFileSync(join(dir, n), 'utf8') }];
      } catch {
        return [];
      }
    });
  };
}

function loadSshConfig(file: string | undefined): SshConfigLine[] {
  const files = file ? [file] : [join(homedir(), '.ssh', 'config'), '/etc/ssh/ssh_config'];
  const key = files.join('\0');
  const cached = configCache.get(key);
  if (cached) return cached;
  const lines = files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(expandHome(f), 'utf8');
    } catch {
      if (file) throw new OptionsError(`cannot read ssh config file ${file}`);
      return [];
    }
    const base = f.startsWith('/etc/ssh') ? '/etc/ssh' : join(homedir(), '.ssh');
    return parseSshConfig(text, f, includeLoader(base));
  });
  configCache.set(key, lines);
  return lines;
}

const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk'];
const GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

function resolveAgainstConfig(
  name: string,
  dial: string,
  lines: SshConfigLine[],
  o: {
    user?: string;
    port?: number;
    keyFiles: string[];
    argOptions: Map<string, string>;
    hostKeyChecking?: boolean;
    passphrase?: Secret<string>;
    password?: Secret<string>;
    connectTimeoutMs: number;
  },
): ConnectSpec {
  const ctx = { home: homedir(), localUser: userInfo().username };
  const cfg = resolveSshConfig(lines, dial, ctx);
  const arg = (k: string) => o.argOptions.get(k.toLowerCase());
  const user = o.user ?? arg('User') ?? cfg.user ?? ctx.localUser;
  const portText = arg('Port');
  const port = o.port ?? (portText ? Number(portText) : undefined) ?? cfg.port ?? 22;
  const keyFiles = [...o.keyFiles, ...cfg.identityFiles].map(expandHome);
  const privateKeyFiles = keyFiles.length
    ? keyFiles
    : DEFAULT_IDENTITY_FILES.map((f) => join(ctx.home, '.ssh', f));
  const argKnownHosts = arg('UserKnownHostsFile')?.split(/\s+/).filter(Boolean);
  const userKnownHosts = (argKnownHosts ?? cfg.knownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).map(
    expandHome,
  );
  const knownHostsFiles = [
    ...userKnownHosts.filter((f) => f !== '/dev/null'),
    ...GLOBAL_KNOWN_HOSTS.filter((f) => existsSync(f)),
  ];
  const strictArg = arg('StrictHostKeyChecking');
  const hostKeyChecking =
    o.hostKeyChecking ??
    (strictArg !== undefined ? !['no', 'off'].includes(strictArg.toLowerCase()) : undefined) ??
    cfg.strictHostKeyChecking ??
    true;
  const proxyArg = arg('ProxyJump');
  const proxyJump = proxyArg !== undefined ? (proxyArg.toLowerCase() === 'none' ? undefined : proxyArg) : cfg.proxyJump;
  const timeoutArg = arg('ConnectTimeout');
  return {
    name,
    connection: 'ssh',
    address: cfg.hostName ?? dial,
    port,
    user,
    privateKeyFiles,
    ...(o.passphrase ? { passphrase: o.passphrase } : {}),
    ...(o.password ? { password: o.password } : {}),
    ...(proxyJump ? { proxyJump } : {}),
    knownHostsFiles,
    hostKeyChecking,
    connectTimeoutMs: timeoutArg && /^\d+$/.test(timeoutArg) ? Number(timeoutArg) * 1000 : o.connectTimeoutMs,
  };
}

export function connectSpecFor(name: string, vars: Vars, cli: ConnectCliOptions = {}): ConnectSpec {
  const connectionVar = str(pick(vars, 'ansible_connection')) ?? 'ssh';
  let connection: ConnectSpec['connection'];
  if (connectionVar === 'local') connection = 'local';
  else if (['ssh', 'smart', 'paramiko', 'paramiko_ssh'].includes(connectionVar)) connection = 'ssh';
  else throw new OptionsError(`host ${name}: ansible_connection=${connectionVar} is not supported (ssh or local)`);

  const dial = str(pick(vars, 'ansible_ssh_host', 'ansible_host')) ?? name;
  const portVar = pick(vars, 'ansible_ssh_port', 'ansible_port');
  const port = portVar === undefined ? undefined : Number(portVar);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new OptionsError(`host ${name}: ansible_port must be a port number, got ${String(portVar)}`);
  }
  const user = str(pick(vars, 'ansible_ssh_user', 'ansible_user')) ?? cli.user;
  const key = str(pick(vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file')) ?? cli.privateKeyFile;
  const timeoutVar = pick(vars, 'ansible_ssh_timeout', 'ansible_timeout');
  const connectTimeoutMs = timeoutVar !== undefined ? Number(timeoutVar) * 1000 : (cli.connectTimeoutMs ?? 10_000);
  const password = toSecret(pick(vars, 'ansible_ssh_password', 'ansible_ssh_pass', 'ansible_password'));
  // Ansible's host_key_checking option: the host's variables, else ansible.cfg/ANSIBLE_HOST_KEY_CHECKING
  // as the command line resolved it, else the variable itself (for callers without a command line).
  const checking =
    toBool(pick(vars, 'ansible_ssh_host_key_checking', 'ansible_host_key_checking')) ??
    cli.hostKeyChecking ??
    toBool(process.env.ANSIBLE_HOST_KEY_CHECKING);
  const args = [str(pick(vars, 'ansible_ssh_common_args')), str(pick(vars, 'ansible_ssh_extra_args'))]
    .filter(Boolean)
    .join(' ');
  let parsedArgs: ReturnType<typeof parseSshArgs>;
  try {
    parsedArgs = parseSshArgs(args);
  } catch (e) {
    if (!(e instanceof ShlexError)) throw e;
    throw new OptionsError(`host ${name}: ansible_ssh_common_args/ansible_ssh_extra_args cannot be split into words: ${e.message}`);
  }

  const lines = loadSshConfig(cli.sshConfigFile);
  const spec = resolveAgainstConfig(name, dial, lines, {
    ...(user !== undefined ? { user } : {}),
    ...(port !== undefined ? { port } : {}),
    keyFiles: [...(key ? [key] : []), ...parsedArgs.identityFiles],
    argOptions: parsedArgs.options,
    // host_key_checking=false makes Ansible add StrictHostKeyChecking=no; true adds nothing.
    ...(checking === false ? { hostKeyChecking: false } : {}),
    ...(cli.passphrase ? { passphrase: cli.passphrase } : {}),
    ...(password ? { password } : {}),
    connectTimeoutMs,
  });
  if (connection === 'local') return { ...spec, connection, address: dial };

  if (spec.proxyJump) {
    // Each hop goes through the ssh config as its own host (as OpenSSH does); it gets the target's
    // key files and known_hosts, but never the target's password.
    const hops = parseJumpHops(spec.proxyJump);
    if (!hops) throw new OptionsError(`host ${name}: cannot read ProxyJump '${spec.proxyJump}' (expected [user@]host[:port],...)`);
    spec.jump = hops.map((hop) => {
      const hopSpec = resolveAgainstConfig(hop.host, hop.host, lines, {
        ...(hop.user ? { user: hop.user } : {}),
        ...(hop.port ? { port: hop.port } : {}),
        keyFiles: [...(key ? [key] : []), ...parsedArgs.identityFiles],
        argOptions: new Map([...parsedArgs.options].filter(([k]) => k === 'userknownhostsfile' || k === 'stricthostkeychecking')),
        ...(checking === false ? { hostKeyChecking: false } : {}),
        ...(cli.passphrase ? { passphrase: cli.passphrase } : {}),
        connectTimeoutMs,
      });
      delete hopSpec.proxyJump; // a hop's own ProxyJump would nest; Hostwright reads the flat list only
      return hopSpec;
    });
  }
  return spec;
}

/**
 * BecomeSpec from the resolved keyword/CLI values, overridden by the host's variables as in
 * Ansible (ansible_become*, ansible_become_password beats -K). undefined when not becoming.
 */
export function becomeSpecFor(
  vars: Vars,
  resolved: { become?: boolean; becomeUser?: string; becomeMethod?: string; password?: Secret<string> } = {},
): BecomeSpec | undefined {
  const become = toBool(pick(vars, 'ansible_become')) ?? resolved.become ?? false;
  if (!become) return undefined;
  const method = str(pick(vars, 'ansible_become_method')) ?? resolved.becomeMethod ?? 'sudo';
  if (method !== 'sudo') throw new OptionsError(`become method '${method}' is not supported (only sudo)`);
  const user = str(pick(vars, 'ansible_become_user')) ?? resolved.becomeUser ?? 'root';
  const password = toSecret(pick(vars, 'ansible_become_password', 'ansible_become_pass')) ?? resolved.password;
  return password ? { user, password } : { user };
}

/** When facts say sudo needs no password, don't send one (saves waiting for sudo's prompt). */
export function becomeForHost(become: BecomeSpec | undefined, facts: Pick<Facts, 'sudo_nopasswd'> | undefined): BecomeSpec | undefined {
  if (!become || !facts?.sudo_nopasswd || !become.password) return become;
  return { user: become.user };
}
