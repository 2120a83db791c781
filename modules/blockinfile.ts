/**
 * blockinfile: insert, update or remove a block of lines between two marker lines. The edit is a
 * port of Ansible 2.14's blockinfile.py, compared with the real module in
 * test/compat/modules-blockinfile.test.ts.
 */
import type { JSONSchemaType } from 'ajv';
import { defineModule, type ParamIssue } from '../runner/module.js';
import { attrIssues, fileAttrSchema, type FileAttrParams } from './_lib/attrs.js';
import { readLines } from './_lib/lines.js';
import { compilePy, toBytesString } from './_lib/pyregex.js';
import { gatherEdited, overlayEdited, planEdited, regexpIssues, type EditorState } from './_lib/editor.js';
import type { EditOutcome } from './_lib/target.js';

export interface BlockinfileParams extends FileAttrParams {
  /** The file to modify (symlinks are followed). */
  path: string;
  /** Whether the block should be there. @default 'present' */
  state?: 'present' | 'absent';
  /** The text between the markers; an empty block removes the block. @default '' */
  block?: string;
  /** Marker line template; `{mark}` becomes marker_begin / marker_end. @default '# {mark} ANSIBLE MANAGED BLOCK' */
  marker?: string;
  /** @default 'BEGIN' */
  marker_begin?: string;
  /** @default 'END' */
  marker_end?: string;
  /** When the markers are absent, insert after the last line matching this regexp, or 'EOF'. @default 'EOF' */
  insertafter?: string;
  /** When the markers are absent, insert before the last line matching this regexp, or 'BOF'. @default none */
  insertbefore?: string;
  /** Create the file when it is missing. @default false */
  create?: boolean;
  /** Keep the old file as `path.<pid>.<timestamp>~`. @default false */
  backup?: boolean;
  /** Command run on the new file before it replaces path; `%s` is the file's path. @default none */
  validate?: string;
}

const schema: JSONSchemaType<BlockinfileParams> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    state: { type: 'string', enum: ['present', 'absent'], nullable: true, default: 'present' },
    block: { type: 'string', nullable: true, default: '' },
    marker: { type: 'string', nullable: true, default: '# {mark} ANSIBLE MANAGED BLOCK' },
    marker_begin: { type: 'string', nullable: true, default: 'BEGIN' },
    marker_end: { type: 'string', nullable: true, default: 'END' },
    insertafter: { type: 'string', nullable: true },
    insertbefore: { type: 'string', nullable: true },
    create: { type: 'boolean', nullable: true, default: false },
    backup: { type: 'boolean', nullable: true, default: false },
    validate: { type: 'string', nullable: true, pattern: '%s' },
    ...fileAttrSchema,
  },
  required: ['path'],
  additionalProperties: false,
};

function check(p: BlockinfileParams): ParamIssue[] {
  const issues: ParamIssue[] = [...attrIssues(p)];
  if (p.insertafter !== undefined && p.insertbefore !== undefined) {
    issues.push({ field: 'insertbefore', message: 'parameters are mutually exclusive: insertbefore|insertafter' });
  }
  issues.push(...regexpIssues(p, ['insertafter', 'insertbefore']));
  return issues;
}

export const blockinfile = defineModule<BlockinfileParams, EditorState>({
  name: 'blockinfile',
  probeAhead: true,
  schema,
  check,
  gather: gatherEdited,
  overlay: overlayEdited,
  plan(p, state) {
    return planEdited(p, state, (text, exists) => {
      // Ansible checks `create` first, even for state=absent.
      if (!exists) {
        if (!p.create) return { failed: `Path ${p.path} does not exist !`, result: { rc: 257 } };
        if ((p.state ?? 'present') === 'absent') return { text, changed: false, msg: `File ${p.path} not present` };
      }
      return blockinfileEdit(exists ? text : undefined, p);
    });
  },
});

/** Ansible's blockinfile edit on the file's bytes (latin1 string); `original` undefined = no file. */
export function blockinfileEdit(original: string | undefined, p: Omit<BlockinfileParams, 'path'>): EditOutcome {
  const lines = original === undefined ? [] : readLines(original);
  const present = (p.state ?? 'present') === 'present';
  let insertafter = p.insertafter;
  const insertbefore = p.insertbefore;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  let insertre: ReturnType<typeof compilePy> | undefined;
  if (insertafter !== undefined && insertafter !== 'EOF') insertre = compilePy(insertafter);
  else if (insertbefore !== undefined && insertbefore !== 'BOF') insertre = compilePy(insertbefore);

  const marker = toBytesString(p.marker ?? '# {mark} ANSIBLE MANAGED BLOCK');
  const marker0 = marker.replaceAll('{mark}', toBytesString(p.marker_begin ?? 'BEGIN')) + '\n';
  const marker1 = marker.replaceAll('{mark}', toBytesString(p.marker_end ?? 'END')) + '\n';
  let block = toBytesString(p.block ?? '');
  let blocklines: string[] = [];
  if (present && block) {
    if (!block.endsWith('\n')) block += '\n';
    blocklines = [marker0, ...readLines(block), marker1];
  }

  let n0: number | undefined;
  let n1: number | undefined;
  for (const [i, line] of lines.entries()) {
    if (line === marker0) n0 = i;
    if (line === marker1) n1 = i;
  }
  if (n0 === undefined || n1 === undefined) {
    n0 = undefined;
    if (insertre) {
      if (insertre.multiline) {
        const whole = original ?? '';
        const m = insertre.regex.exec(whole);
        if (m) {
          const upto = insertafter ? m.index + m[0].length : m.index;
          n0 = whole.slice(0, upto).split('\n').length - 1;
        }
      } else {
        for (const [i, line] of lines.entries()) if (insertre.regex.test(line)) n0 = i;
      }
      if (n0 === undefined) n0 = lines.length;
      else if (insertafter !== undefined) n0 += 1;
    } else if (insertbefore !== undefined) {
      n0 = 0;
    } else {
      n0 = lines.length;
    }
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  if (n0 > 0 && !lines[n0 - 1]!.endsWith('\n')) lines[n0 - 1] += '\n';
  lines.splice(n0, 0, ...blocklines);
  const result = lines.join('');

  if (original === result) return { text: result, changed: false, msg: '' };
  if (original === undefined) return { text: result, changed: true, msg: 'File created' };
  if (blocklines.length === 0) return { text: result, changed: true, msg: 'Block removed' };
  return { text: result, changed: true, msg: 'Block inserted' };
}
