/**
 * --diff output against Ansible's own renderer: CallbackBase._get_diff from the installed
 * ansible-core (run by the system Python that Debian's ansible uses), on the same before/after
 * pairs. Headers, hunk ranges, context, "\ No newline at end of file" and the empty line after
 * each diff must be identical.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { FileDiff } from '../../runner/module.types.js';
import { renderDiffs } from '../../runner/report/diff.js';

const lines = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `line ${i + from}\n`).join('');

const cases: Record<string, FileDiff[]> = {
  'one changed line': [{ before: 'a\nb\nc\n', after: 'a\nB\nc\n', before_header: '/etc/x', after_header: '/etc/x' }],
  'new file': [{ before: '', after: 'new\ncontent\n', before_header: '/etc/new', after_header: '/etc/new' }],
  'emptied file': [{ before: 'old\n', after: '' }],
  'two distant hunks': [{ before: lines(30), after: lines(30).replace('line 3\n', 'LINE 3\n').replace('line 25\n', '') }],
  'two close changes, one hunk': [{ before: lines(12), after: lines(12).replace('line 3\n', 'x\n').replace('line 8\n', 'y\n') }],
  'no newline at end, added line': [{ before: 'a\nb', after: 'a\nb\nc\n', before_header: 'f', after_header: 'f' }],
  'no newline at end on both sides': [{ before: 'a\nb\nc', after: 'A\nb\nc' }],
  'identical': [{ before: 'same\n', after: 'same\n' }],
  'several diffs in one result': [
    { before: 'a\n', after: 'b\n', before_header: 'one', after_header: 'one' },
    { before: 'owner: root\n', after: 'owner: www\n', before_header: 'two (owner)', after_header: 'two (owner)' },
  ],
};

function ansibleDiff(diffs: FileDiff[]): string {
  const script = [
    'import json, sys',
    'from ansible.plugins.callback import CallbackBase',
    'sys.stdout.write(CallbackBase._get_diff(None, json.load(sys.stdin)))',
  ].join('\n');
  // ansible-core is installed for Debian's /usr/bin/python3, not whatever python3 is first on PATH.
  return execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(diffs), encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
}

describe('diff rendering against Ansible 2.14', () => {
  for (const [name, diffs] of Object.entries(cases)) {
    it(name, () => {
      expect(renderDiffs(diffs)).toBe(ansibleDiff(diffs));
    });
  }
});
