/**
 * apt_repository's line handling against ansible-core's own: each case's sources files go through
 * the installed module's SourcesList (fixtures/apt-sources-list.py, no host, no python3-apt) and
 * through planAptRepository; the files written, their names and content, changed, the diff and
 * the "Invalid repository string" refusal must be identical. What apt-get update then does, the
 * modes and the registered results are compared on a lab host (test/e2e/modules/apt_repository.test.ts).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { apt_repository, planAptRepository } from '../../modules/packages/apt_repository.js';

const exec = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, 'fixtures/apt-sources-list.py');

interface Case {
  name: string;
  /** File names under /etc/apt (sources.list, sources.list.d/x.list) → content. */
  files: Record<string, string>;
  repo: string;
  state?: 'present' | 'absent';
  filename?: string;
}

interface Outcome {
  changed: boolean;
  invalid: string | null;
  /** Ours: what the plan's actions write (null: remove); Ansible's: every file after. */
  files: Record<string, string | null>;
  diff: { before: string; after: string; before_header: string; after_header: string }[];
}

async function ansible(c: Case): Promise<Outcome> {
  const input = JSON.stringify({ files: c.files, repo: c.repo, state: c.state ?? 'present', filename: c.filename ?? null });
  const child = exec('/usr/bin/python3', [SCRIPT]);
  child.child.stdin!.end(input);
  const out = JSON.parse((await child).stdout) as { changed: boolean; invalid: string | null; files_after: Record<string, string | null>; diff: Outcome['diff'] };
  return { changed: out.changed, invalid: out.invalid, files: out.files_after, diff: out.diff };
}

function ours(c: Case): Outcome {
  const params = { repo: c.repo, ...(c.state ? { state: c.state } : {}), ...(c.filename ? { filename: c.filename } : {}) };
  const call = apt_repository(params);
  const invalid = call.issues.find((i) => i.field === 'repo')?.message ?? null;
  if (invalid) return { changed: false, invalid, files: {}, diff: [] };
  const plan = planAptRepository(call.resolve(params).params!, { files: new Map(Object.entries(c.files).map(([n, t]) => [`/etc/apt/${n}`, t])) });
  // What the actions do: files written, files removed.
  const after: Record<string, string | null> = {};
  for (const a of plan.actions) {
    if (a.kind === 'write') after[a.path] = String(a.content);
    else if (a.kind === 'run' && a.script.startsWith('rm -f -- ')) after[a.script.slice('rm -f -- '.length)] = null;
  }
  return { changed: plan.changed, invalid, files: after, diff: [...(plan.diffs ?? [])].sort((a, b) => (a.before_header === '/dev/null' ? a.after_header! : a.before_header!).localeCompare(b.before_header === '/dev/null' ? b.after_header! : b.before_header!)) as Outcome['diff'] };
}

/** What Ansible writes for its changed files (the after side of each diff; null: the file goes). */
function expectedWrites(o: Outcome): Record<string, string | null> {
  return Object.fromEntries(o.diff.map((d) => (d.after_header === '/dev/null' ? [d.before_header, null] : [d.after_header, d.after])));
}

const DEBIAN = 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\n';
const cases: Case[] = [
  { name: 'a new repository gets a file named after its URL', files: { 'sources.list': DEBIAN }, repo: 'deb http://apt.example.org/debian bookworm main' },
  { name: 'options, user:password, port and the comment left out of the name', files: { 'sources.list': DEBIAN }, repo: 'deb  [signed-by=/etc/apt/keyrings/x.asc arch=amd64]  https://u:p@dl.example.com:8443/linux/debian  bookworm  stable # ours' },
  { name: 'filename names the file', files: { 'sources.list': DEBIAN }, repo: 'deb http://apt.example.org/debian bookworm main', filename: 'example' },
  { name: 'already in sources.list: no change (filename does not matter)', files: { 'sources.list': DEBIAN }, repo: 'deb http://deb.debian.org/debian   bookworm main', filename: 'other' },
  { name: 'a commented-out line is enabled where it is, the file normalised', files: { 'sources.list': `#comment\n\n#deb http://x.org/a b c\n${DEBIAN}` }, repo: 'deb http://x.org/a b c' },
  { name: 'appended to an existing file of that name', files: { 'sources.list': DEBIAN, 'sources.list.d/x_org_a.list': '# mine\ndeb http://x.org/a old main\n' }, repo: 'deb http://x.org/a b c' },
  { name: 'deb-src', files: { 'sources.list': DEBIAN }, repo: 'deb-src http://apt.example.org/debian bookworm main' },
  { name: 'file: URI', files: {}, repo: 'deb [trusted=yes] file:/srv/hw-repo ./' },
  { name: 'absent removes the line; a file left empty goes', files: { 'sources.list': DEBIAN, 'sources.list.d/x_org_a.list': 'deb http://x.org/a b c\n' }, repo: 'deb http://x.org/a b c', state: 'absent' },
  { name: 'absent keeps the other lines and comments', files: { 'sources.list': DEBIAN, 'sources.list.d/x.list': '# keep\ndeb http://x.org/a b c # why\ndeb http://y.org/ d e\n' }, repo: 'deb http://x.org/a b c', state: 'absent' },
  { name: 'absent leaves a commented-out line', files: { 'sources.list': `# deb http://x.org/a b c\n${DEBIAN}` }, repo: 'deb http://x.org/a b c', state: 'absent' },
  { name: 'absent of a line that is not there', files: { 'sources.list': DEBIAN }, repo: 'deb http://x.org/a b c', state: 'absent' },
  { name: 'absent from sources.list itself', files: { 'sources.list': DEBIAN }, repo: 'deb http://deb.debian.org/debian-security bookworm-security main', state: 'absent' },
  { name: 'tabs and runs of spaces are the same line', files: { 'sources.list': 'deb\thttp://x.org/a  b\tc\n' }, repo: 'deb http://x.org/a b c' },
  { name: 'not a source line', files: { 'sources.list': DEBIAN }, repo: 'rpm http://x.org/a b c' },
  { name: 'a commented-out repo string', files: { 'sources.list': DEBIAN }, repo: '# deb http://x.org/a b c' },
];

describe('apt_repository compared with ansible-core 2.14 SourcesList', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const [theirs, mine] = await Promise.all([ansible(c), Promise.resolve(ours(c))]);
      expect(mine.invalid).toBe(theirs.invalid);
      if (theirs.invalid) return;
      expect(mine.changed).toBe(theirs.changed);
      expect(mine.diff).toEqual(theirs.diff);
      expect(mine.files).toEqual(expectedWrites(theirs));
    });
  }
  test('at least 15 cases, changes and no-changes among them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });
});
