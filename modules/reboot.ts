/**
 * reboot: restart the host and wait until it is back, as ansible.builtin.reboot does on Linux:
 * the boot id (`boot_time_command`) is read first, `shutdown -r <minutes> "<msg>"` (found in
 * `search_paths`) or `reboot_command` runs, then the runner reconnects with the host's inventory
 * settings (each attempt within `connect_timeout`) until the boot id has changed, then until
 * `test_command` succeeds, each within `reboot_timeout`; later tasks use the new connection.
 * Registers `rebooted` and `elapsed` (seconds). Never idempotent: check mode says it would run.
 * Refused on a local connection (it would reboot the controller).
 */
import { defineModule } from '../runner/module.js';
import type { ModuleContext, Plan, TaskResult } from '../runner/module.types.js';
import { sh } from '../runner/shell.js';
import { fieldLine, parseProbe, runProbe } from './_lib/probe.js';
import { rebootDefinition, type RebootParams, SEARCH_PATHS } from './reboot.params.js';

export type { RebootParams } from './reboot.params.js';

export interface RebootResult extends TaskResult {
  rebooted?: boolean;
  elapsed?: number;
}

export interface RebootState {
  /** The boot id before the reboot, or why it could not be read. */
  bootId: { ok: true; value: string } | { ok: false; rc: number; stdout: string; stderr: string };
  /** The shutdown command's full path, when found in search_paths (or reboot_command's absolute one). */
  shutdown?: string;
  local: boolean;
}

/** The command's program: reboot_command's first word, or shutdown. */
const programOf = (p: RebootParams): string => (p.reboot_command ?? 'shutdown').split(' ')[0]!;

export function rebootProbeScript(p: RebootParams): string {
  const program = programOf(p);
  const lines = [
    // As Ansible's _low_level_execute_command: through the shell. Its stderr only matters for a
    // failure's message: asked again then, rather than kept in a file (a probe writes nothing).
    sh`c=${p.boot_time_command ?? 'cat /proc/sys/kernel/random/boot_id'}`,
    'o=$(sh -c "$c" 2>/dev/null); r=$?; echo "boot.rc $r"; e=; if [ $r != 0 ]; then e=$(sh -c "$c" 2>&1 >/dev/null); fi',
    fieldLine('boot', '"$o"'),
    fieldLine('boot.err', '"$e"'),
  ];
  if (!program.startsWith('/')) {
    // Ansible's find module over search_paths: the first that has the name (any file type).
    lines.push(sh`for d in ${p.search_paths ?? SEARCH_PATHS}; do if [ -e "$d"/${program} ] || [ -L "$d"/${program} ]; then printf 'shutdown %s\\n' "$d"/${program}; break; fi; done`);
  }
  return lines.join('\n');
}

export function parseRebootProbe(out: Buffer, p: RebootParams, ctx: Pick<ModuleContext, 'vars'>): RebootState {
  const { fields } = parseProbe(out);
  const rc = Number(fields.get('boot.rc') ?? '1');
  const stdout = fields.get('boot') ?? '';
  const program = programOf(p);
  const shutdown = program.startsWith('/') ? program : fields.get('shutdown');
  return {
    bootId: rc === 0 ? { ok: true, value: stdout.trim() } : { ok: false, rc, stdout, stderr: fields.get('boot.err') ?? '' },
    ...(shutdown !== undefined ? { shutdown } : {}),
    local: ctx.vars.ansible_connection === 'local',
  };
}

/** Python's repr of a list of strings, as Ansible's message prints search_paths. */
const pyList = (items: readonly string[]): string => `[${items.map((i) => `'${i}'`).join(', ')}]`;

export function planReboot(p: RebootParams, s: RebootState): Plan {
  const fail = (msg: string, result: Record<string, unknown>): Plan => ({ changed: false, actions: [], failed: msg, result });
  if (s.local) return fail('Running reboot with local connection would reboot the control node.', { elapsed: 0, rebooted: false });
  if (!s.bootId.ok) {
    const b = s.bootId;
    return fail(`reboot: failed to get host boot time info, rc: ${b.rc}, stdout: ${b.stdout}, stderr: ${b.stderr}`, { reboot: false });
  }
  if (s.shutdown === undefined) return fail(`Unable to find command "${programOf(p)}" in search paths: ${pyList(p.search_paths ?? SEARCH_PATHS)}`, {});
  const timeout = p.reboot_timeout ?? 600;
  // shutdown -r takes minutes: Ansible passes pre_reboot_delay // 60.
  const args =
    p.reboot_command !== undefined
      ? (p.reboot_command.split(' ').slice(1).join(' '))
      : `-r ${Math.floor(Math.max(0, p.pre_reboot_delay ?? 0) / 60)} ${sh`${p.msg ?? 'Reboot initiated by Ansible'}`}`;
  const bootCommand = p.boot_time_command ?? 'cat /proc/sys/kernel/random/boot_id';
  return {
    changed: true,
    nonIdempotent: true,
    actions: [
      {
        kind: 'reconnect',
        trigger: `${sh`${s.shutdown}`} ${args}`,
        triggerFailed: (stdout, stderr) => `Reboot command failed. Error was: '${stdout}, ${stderr}'`,
        ...(p.post_reboot_delay ? { delayMs: Math.max(0, p.post_reboot_delay) * 1000 } : {}),
        // A new, non-empty boot id: the host has been down and is up again.
        ready: sh`b=$(sh -c ${bootCommand}) && b=$(printf '%s' "$b" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//') && [ -n "$b" ] && [ "$b" != ${s.bootId.value} ]`,
        readyDescribe: 'last boot time check',
        test: p.test_command ?? 'whoami',
        testDescribe: 'post-reboot test command',
        timeoutMs: timeout * 1000,
        ...(p.connect_timeout !== undefined ? { connectTimeoutMs: p.connect_timeout * 1000 } : {}),
        timedOut: (what) => `Timed out waiting for ${what} (timeout=${timeout})`,
      },
    ],
  };
}

export const reboot = defineModule<RebootParams, RebootState, RebootResult>({
  ...rebootDefinition,
  async gather(p, probe, ctx) {
    const out = await runProbe(probe, rebootProbeScript(p), 'the boot id');
    return parseRebootProbe(out.stdoutBytes, p, ctx);
  },
  plan: (p, s) => planReboot(p, s),
});
