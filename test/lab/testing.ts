/**
 * Helpers for e2e tests: the lab's state, a fresh host on demand, and an ssh client for assertions
 * that goes through the system's OpenSSH with strict host key checking against the lab's
 * known_hosts (independent of Hostwright's own SSH connection, which is what tests examine).
 *
 * Importing this file also makes every test in the importing file skip, with the reason, when the
 * global setup could not start the lab (not root, not Linux, outside CI).
 */
import { spawn } from 'node:child_process';
import { beforeEach, inject } from 'vitest';
import type { ConnectSpec } from '../../runner/connection/types.js';
import { labConnectSpecFor } from './connect-spec.js';
import { resetLabHost } from './lab.js';
import type { LabHost, LabState } from './state.js';

beforeEach((ctx) => {
  const why = inject('labUnavailable');
  if (why) ctx.skip(`lab not available: ${why}`);
});

export function labState(): LabState {
  const why = inject('labUnavailable');
  if (why) throw new Error(`lab not available: ${why}`);
  const state = inject('lab');
  if (!state) throw new Error('no lab: is this test in the e2e project (test/e2e/), whose global setup starts it?');
  return state;
}

/** Plain hosts, or all hosts of a kind. */
export function labHosts(kind: LabHost['kind'] = 'plain'): LabHost[] {
  return labState().hosts.filter((h) => h.kind === kind);
}

export function labHost(name: string): LabHost {
  const host = labState().hosts.find((h) => h.name === name);
  if (!host) throw new Error(`the lab has no host ${name}`);
  return host;
}

/** Restart one host with an empty upper dir and a new network namespace: same name, address and host key, fresh filesystem, no firewall rules. */
export async function resetHost(name: string): Promise<LabHost> {
  return resetLabHost(labState().instance, name);
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshOptions {
  /** @default 'root' */
  user?: string;
  /** @default the lab's known_hosts */
  knownHostsFile?: string;
  input?: string;
  /** @default 60_000 */
  timeoutMs?: number;
}

/** OpenSSH client arguments for a lab host (strict host key checking, the lab key only, no config files). */
export function sshArgs(host: LabHost, options: SshOptions = {}): string[] {
  const state = labState();
  return [
    '-F', '/dev/null',
    '-i', state.keyFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${options.knownHostsFile ?? state.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10',
    // known_hosts lists each host by name and address; the name is what a user would type.
    '-o', `HostKeyAlias=${host.name}`,
    '-p', String(host.port),
    '-l', options.user ?? 'root',
    host.address,
  ];
}

/** Run `command` on a host as `user` (root by default); never throws on a non-zero exit. */
export function ssh(host: LabHost | string, command: string, options: SshOptions = {}): Promise<SshResult> {
  const h = typeof host === 'string' ? labHost(host) : host;
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...sshArgs(h, options), '--', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Like ssh(), but a non-zero exit is an error carrying stderr; returns stdout. */
export async function sshOk(host: LabHost | string, command: string, options: SshOptions = {}): Promise<string> {
  const r = await ssh(host, command, options);
  if (r.code !== 0) throw new Error(`ssh ${typeof host === 'string' ? host : host.name} '${command}' exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** labConnectSpecFor (connect-spec.ts) with this run's lab. */
export function labConnectSpec(host: LabHost, vars: Record<string, unknown> = {}): ConnectSpec {
  return labConnectSpecFor(labState(), host, vars);
}
