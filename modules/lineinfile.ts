/**
 * lineinfile: ensure a line is in a file (or replace the line a regexp matches, or remove lines).
 * The edit is a line-by-line port of Ansible 2.14's lineinfile.py `present`/`absent`, with its
 * regexps given Python's semantics (modules/_lib/pyregex.ts), compared with the real module in
 * test/compat/modules-lineinfile.test.ts.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../runner/module.js';
import { attrIssues, fileAttrSchema, type FileAttrParams } from './_lib/attrs.js';
import { readLines, stripEol } from './_lib/lines.js';
import { compilePy, expandPy, toBytesString, type PyRegex } from './_lib/pyregex.js';
import { gatherEdited, overlayEdited, planEdited, regexpIssues, type EditorState } from './_lib/editor.js';
import type { EditOutcome } from './_lib/target.js';

export interface LineinfileParams extends FileAttrParams {
  /** The file to modify (symlinks are followed). */
  path: string;
  /** Whether the line should be there. @default 'present' */
  state?: 'present' | 'absent';
  /** The line to insert or replace with. Required with state=present. @default none */
  line?: string;
  /** Python regexp: the last matching line (the first with firstmatch) is replaced; with state=absent every matching line is removed. @default none */
  regexp?: string;
  /** Literal string: like regexp, matching lines that contain it. @default none */
  search_string?: string;
  /** Insert after the last line matching this regexp (or 'EOF', or 'BOF'), when regexp/search_string found nothing. @default 'EOF' */
  insertafter?: string;
  /** Insert before the last line matching this regexp (or 'BOF'). @default none */
  insertbefore?: string;
  /** With regexp: `line` may use \1, \g<name> backreferences; when regexp matches nothing the file is left unchanged. @default false */
  backrefs?: boolean;
  /** Create the file when it is missing (state=present). @default false */
  create?: boolean;
  /** Keep the old file as `path.<pid>.<timestamp>~`. @default false */
  backup?: boolean;
  /** insertafter/insertbefore (and regexp) use the first matching line instead of the last. @default false */
  firstmatch?: boolean;
  /** Command run on the new file before it replaces path; `%s` is the file's path. @default none */
  validate?: string;
}

const schema: JSONSchemaType<LineinfileParams> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    line: { type: 'string', nullable: true },
    regexp: { type: 'string', nullable: true },
    search_string: { type: 'string', nullable: true },
    insertafter: { type: 'string', nullable: true },
    insertbefore: { type: 'string', nullable: true },
    backrefs: { type: 'boolean', nullable: true, default: false },
    create: { type: 'boolean', nullable: true, default: false },
    backup: { type: 'boolean', nullable: true, default: false },
    firstmatch: { type: 'boolean', nullable: true, default: false },
    validate: { type: 'string', nullable: true, pattern: '%s' },
    ...fileAttrSchema,
  },
  required: ['path'],
  additionalProperties: false,
};

function check(p: LineinfileParams): ParamIssue[] {
  const issues: ParamIssue[] = [...attrIssues(p)];
  const both = (a: keyof LineinfileParams, b: keyof LineinfileParams): void => {
    if (p[a] !== undefined && p[b] !== undefined && p[a] !== false && p[b] !== false) issues.push({ field: b, message: `parameters are mutually exclusive: ${a}|${b}` });
  };
  both('insertbefore', 'insertafter');
  both('regexp', 'search_string');
  both('backrefs', 'search_string');
  if ((p.state ?? 'present') === 'present') {
    if (p.backrefs && p.regexp === undefined) issues.push({ field: 'regexp', message: 'regexp is required with backrefs=true' });
    if (p.line === undefined) issues.push({ field: 'line', message: 'line is required with state=present' });
  } else if (p.regexp === undefined && p.search_string === undefined && p.line === undefined) {
    issues.push({ field: 'line', message: 'one of line, search_string, or regexp is required with state=absent' });
  }
  issues.push(...regexpIssues(p, ['regexp', 'insertafter', 'insertbefore']));
  return issues;
}

export const lineinfile = defineModule<LineinfileParams, EditorState>({
  name: 'lineinfile',
  probeAhead: true,
  schema,
  check,
  gather: gatherEdited,
  overlay: overlayEdited,
  plan(p, state) {
    return planEdited(p, state, (text, exists) => {
      if ((p.state ?? 'present') === 'absent') return exists ? lineinfileAbsent(text, p) : { text, changed: false, msg: 'file not present' };
      if (!exists && !p.create) return { failed: `Destination ${p.path} does not exist !`, result: { rc: 257 } };
      return lineinfilePresent(text, p);
    });
  },
});

type EditInput = Pick<LineinfileParams, 'line' | 'regexp' | 'search_string' | 'insertafter' | 'insertbefore' | 'backrefs' | 'firstmatch'>;

/** Ansible's `present()` on the file's bytes (as a latin1 string). */
export function lineinfilePresent(text: string, p: EditInput): EditOutcome {
  const lines = readLines(text);
  const line = toBytesString(p.line ?? '');
  let insertafter = p.insertafter;
  const insertbefore = p.insertbefore;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  const re: PyRegex | undefined = p.regexp !== undefined ? compilePy(p.regexp) : undefined;
  const search = p.search_string !== undefined ? toBytesString(p.search_string) : undefined;
  let ins: PyRegex | undefined;
  if (insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF') ins = compilePy(insertafter);
  else if (insertbefore !== undefined && insertbefore !== 'BOF') ins = compilePy(insertbefore);

  let found = -1;
  let insertAt = -1;
  let match: RegExpExecArray | true | undefined;
  if (re) {
    for (const [i, cur] of lines.entries()) {
      const m = re.regex.exec(cur);
      if (m) {
        found = i;
        match = m;
        if (p.firstmatch) break;
      }
    }
  }
  if (search !== undefined) {
    for (const [i, cur] of lines.entries()) {
      if (cur.includes(search)) {
        found = i;
        match = true;
        if (p.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (const [i, cur] of lines.entries()) {
      if (line === stripEol(cur)) {
        found = i;
      } else if (ins && ins.regex.test(cur)) {
        if (insertafter) {
          insertAt = i + 1;
          if (p.firstmatch) break;
        }
        if (insertbefore) {
          insertAt = i;
          if (p.firstmatch) break;
        }
      }
    }
  }

  // (Ansible's branch for "no regexp, no search_string, no exact match" under found !== -1 is
  // unreachable: found is only set without a regexp/search_string by an exact line match.)
  if (found !== -1) {
    let newLine = p.backrefs && match && match !== true ? expandPy(p.line ?? '', match) : line;
    if (!newLine.endsWith('\n')) newLine += '\n';
    if (lines[found] !== newLine) {
      lines[found] = newLine;
      return { text: lines.join(''), changed: true, msg: 'line replaced' };
    }
    return { text, changed: false, msg: '' };
  }
  if (p.backrefs) return { text, changed: false, msg: '' };
  if (insertbefore === 'BOF' || insertafter === 'BOF') {
    lines.unshift(line + '\n');
    return { text: lines.join(''), changed: true, msg: 'line added' };
  }
  if (insertafter === 'EOF' || insertAt === -1) {
    const last = lines[lines.length - 1];
    if (last !== undefined && !/[\n\r]$/.test(last)) lines.push('\n');
    lines.push(line + '\n');
    return { text: lines.join(''), changed: true, msg: 'line added' };
  }
  if (insertafter) {
    if (lines.length === insertAt) {
      if (stripEol(lines[insertAt - 1]!) !== line) {
        lines.push(line + '\n');
        return { text: lines.join(''), changed: true, msg: 'line added' };
      }
    } else if (line !== stripEol(lines[insertAt]!)) {
      lines.splice(insertAt, 0, line + '\n');
      return { text: lines.join(''), changed: true, msg: 'line added' };
    }
    return { text, changed: false, msg: '' };
  }
  lines.splice(insertAt, 0, line + '\n');
  return { text: lines.join(''), changed: true, msg: 'line added' };
}

/** Ansible's `absent()`: removes every line matching regexp / containing search_string / equal to line. */
export function lineinfileAbsent(text: string, p: Pick<LineinfileParams, 'line' | 'regexp' | 'search_string'>): EditOutcome {
  const re = p.regexp !== undefined ? compilePy(p.regexp) : undefined;
  const search = p.search_string !== undefined ? toBytesString(p.search_string) : undefined;
  const line = toBytesString(p.line ?? '');
  let found = 0;
  const kept = readLines(text).filter((cur) => {
    const hit = re ? re.regex.test(cur) : search !== undefined ? cur.includes(search) : line === stripEol(cur);
    if (hit) found++;
    return !hit;
  });
  return {
    text: kept.join(''),
    changed: found > 0,
    msg: found > 0 ? `${found} line(s) removed` : '',
    result: { found },
  };
}
