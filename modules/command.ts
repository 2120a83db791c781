/**
 * command: run a program without a shell. `cmd` is split like Ansible's (shlex), `argv` is taken
 * as is; each word still gets Ansible's `~` and `$VAR` expansion, but no globbing, pipes or
 * redirections (use shell for those). Reported as changed; with creates/removes the command runs
 * only when they say so.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../runner/module.js';
import { shlexSplit } from '../runner/shlex.js';
import { expandingWord, gatherCommand, overlayCommand, planCommand, type CommandCommon, type CommandState } from './_lib/command.js';

export interface CommandParams extends CommandCommon {
  /** The command line, split into words like a shell would (no shell features). Required unless argv. */
  cmd?: string;
  /** The command as a list of words. Required unless cmd. */
  argv?: string[];
}

const schema: JSONSchemaType<CommandParams> = {
  type: 'object',
  properties: {
    cmd: { type: 'string', nullable: true, minLength: 1 },
    argv: { type: 'array', items: { type: 'string' }, nullable: true, minItems: 1 },
    chdir: { type: 'string', nullable: true },
    creates: { type: 'string', nullable: true },
    removes: { type: 'string', nullable: true },
    stdin: { type: 'string', nullable: true },
    stdin_add_newline: { type: 'boolean', nullable: true, default: true },
  },
  required: [],
  additionalProperties: false,
};

function check(p: CommandParams): ParamIssue[] {
  if (p.cmd !== undefined && p.argv !== undefined) return [{ field: 'argv', message: 'only command or argv can be given, not both' }];
  if (p.cmd === undefined && p.argv === undefined) return [{ field: 'cmd', message: 'no command given (cmd or argv is required)' }];
  if (p.cmd !== undefined) {
    try {
      shlexSplit(p.cmd);
    } catch (e) {
      return [{ field: 'cmd', message: `cannot be split into words: ${(e as Error).message}` }];
    }
  }
  return [];
}

/** The argv the command runs (before ~/$VAR expansion on the host). */
export function commandArgv(p: CommandParams): string[] {
  return p.argv ?? shlexSplit(p.cmd ?? '');
}

export function commandScript(p: CommandParams): string {
  return 'exec ' + commandArgv(p).map(expandingWord).join(' ');
}

export const command = defineModule<CommandParams, CommandState>({
  name: 'command',
  probeAhead: true,
  schema,
  check,
  gather: gatherCommand,
  overlay: overlayCommand,
  plan(p, state) {
    return planCommand(p, state, commandScript(p), p.cmd ?? p.argv);
  },
});
