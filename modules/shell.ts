/**
 * shell: run a command line through a shell (/bin/sh, or `executable`), with pipes, redirections
 * and globbing. Reported as changed; with creates/removes it runs only when they say so.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule } from '../runner/module.js';
import { sh } from '../runner/shell.js';
import { gatherCommand, overlayCommand, planCommand, type CommandCommon, type CommandState } from './_lib/command.js';

export interface ShellParams extends CommandCommon {
  /** The shell command line. */
  cmd: string;
  /** The shell that runs cmd (`<executable> -c cmd`). @default '/bin/sh' */
  executable?: string;
}

const schema: JSONSchemaType<ShellParams> = {
  type: 'object',
  properties: {
    cmd: { type: 'string', minLength: 1 },
    executable: { type: 'string', nullable: true },
    chdir: { type: 'string', nullable: true },
    creates: { type: 'string', nullable: true },
    removes: { type: 'string', nullable: true },
    stdin: { type: 'string', nullable: true },
    stdin_add_newline: { type: 'boolean', nullable: true, default: true },
  },
  required: ['cmd'],
  additionalProperties: false,
};

/** The user's command line is shell syntax by design; only `executable` wraps it (quoted). */
export function shellScript(p: ShellParams): string {
  return p.executable === undefined ? p.cmd : sh`exec ${p.executable} -c ${p.cmd}`;
}

export const shell = defineModule<ShellParams, CommandState>({
  name: 'shell',
  probeAhead: true,
  schema,
  gather: gatherCommand,
  overlay: overlayCommand,
  plan(p, state) {
    return planCommand(p, state, shellScript(p), p.cmd);
  },
});
