/**
 * Errors the runner turns into one clear message (never a stack trace) and an exit code that
 * matches ansible-playbook's: parser errors 4, option errors 5, other errors 1.
 */

/** Where in a playbook something was written: file, line, column. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  return `${loc.file}:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
}

/** The playbook or inventory could not be loaded (ansible: AnsibleParserError, exit 4). */
export class LoadError extends Error {
  constructor(message: string, readonly location?: SourceLocation) {
    super(location ? `${formatLocation(location)}: ${message}` : message);
    this.name = 'LoadError';
  }
}

/** A bad command-line option (ansible: AnsibleOptionsError, exit 5). */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** The run cannot go on for a reason that is the user's to fix (ansible: AnsibleError, exit 1). */
export class RunError extends Error {
  override name = 'RunError';
}

/** The host could not be reached or authenticated; the host becomes UNREACHABLE. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(readonly host: string, message: string) {
    super(message);
  }
}

/** A host key that is not known or does not match; refused unless the user opts out. */
export class HostKeyError extends UnreachableError {
  override name = 'HostKeyError';
}
