/**
 * The transport contract. The runner holds one Connection per host for the whole run; over ssh a
 * command runs in the host's persistent shell session or on a channel of its own (ssh.ts), locally
 * as one child process. Modules never see a Connection: they observe through a Probe and act
 * through Actions the runner applies.
 */
import type { Readable, Writable } from 'node:stream';
import type { Secret } from '../secret.js';

/** Privilege escalation for one command. Only sudo is supported (as Ansible's default method). */
export interface BecomeSpec {
  /** @default 'root' */
  user: string;
  /** From -K or ansible_become_password; written to sudo's stdin, never to a command line. */
  password?: Secret<string>;
}

export interface ExecOptions {
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /**
   * A stream piped into the command's stdin as it arrives (with backpressure), ended when it ends:
   * bytes relayed from another host's command (runner/relay.ts), never held whole in memory.
   */
  stdinFrom?: Readable;
  /** Run through sudo as this user. */
  become?: BecomeSpec;
  /** Kill the command and reject after this long. @default no limit */
  timeoutMs?: number;
  /**
   * Stream stdout here as it arrives (with backpressure) instead of collecting it: the result's
   * stdout is then empty. For large or binary output read back to the controller (fetch). The
   * stream is not ended by exec.
   */
  stdoutTo?: Writable;
}

export interface ExecResult {
  /** Exit status; 128+n when killed by signal n; -1 when no status came back. */
  rc: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for binary content (slurping a file). */
  stdoutBytes: Buffer;
}

export interface Connection {
  /** The inventory name of the host this connects to. */
  readonly host: string;
  /**
   * Run one POSIX sh script (`sh -c script`) on the host. Rejects on transport failure
   * (UnreachableError), when become fails (BecomeError: wrong/missing sudo password, not allowed)
   * and on timeout (CommandTimeoutError) — see connection/errors.ts; a failing command resolves.
   */
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /**
   * Drop the current connection and open a new one with the same settings (the host rebooted);
   * later `exec`s use the new one. Only connections the runner manages have it. Rejects like
   * `connect` when the host does not answer (UnreachableError).
   */
  reconnect?(options?: { connectTimeoutMs?: number }): Promise<void>;
}

/** Everything needed to open a connection, resolved from the host's variables and ssh config. */
export interface ConnectSpec {
  /** Inventory hostname (used in messages and known_hosts lookups when no address is given). */
  name: string;
  /** ansible_connection. @default 'ssh' */
  connection: 'ssh' | 'local';
  /** ansible_host: the address to dial. @default name */
  address: string;
  /** ansible_port. @default 22 */
  port: number;
  /** ansible_user. @default the ssh config's User, else the controller's user */
  user: string;
  /** ansible_ssh_private_key_file and ssh config IdentityFile entries, tried in order. */
  privateKeyFiles: string[];
  /** Passphrase for encrypted private keys. */
  passphrase?: Secret<string>;
  /** ansible_password / ansible_ssh_pass. */
  password?: Secret<string>;
  /** ProxyJump: `[user@]host[:port]`, comma-separated for several hops. */
  proxyJump?: string;
  /**
   * The ProxyJump hops fully resolved (each through ~/.ssh/config, as OpenSSH does), first hop
   * first. When absent, hops come from `proxyJump` with this spec's keys and host key policy.
   */
  jump?: ConnectSpec[];
  /**
   * known_hosts files to verify against (missing ones are skipped).
   * @default UserKnownHostsFile, else ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'], plus the global files that exist
   */
  knownHostsFiles: string[];
  /** false only when the user opted out for this host (ansible_host_key_checking=false). */
  hostKeyChecking: boolean;
  /** @default 10000 */
  connectTimeoutMs: number;
  /**
   * -vvvv: told how the connection goes (endpoint, host key and where it was found, each auth
   * method tried, channel use), one line each, never a secret.
   */
  debug?: (message: string) => void;
}
