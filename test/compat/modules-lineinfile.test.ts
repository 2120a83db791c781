/**
 * lineinfile against the real Ansible module: the same starting file and parameters through both;
 * the resulting file, changed, the message and the content diff must be identical.
 */
import { lineinfile } from '../../modules/lineinfile.js';
import { compareWithAnsible, type Case } from '../fixtures/modules/compare-ansible.js';

const conf = 'a=1\n# comment\nb=2\na=3\nc=4\n';

const cases: Case[] = [
  { name: 'appends a missing line at EOF', initial: conf, params: { line: 'd=5' } },
  { name: 'leaves an existing line alone', initial: conf, params: { line: 'b=2' } },
  { name: 'regexp replaces the last match', initial: conf, params: { regexp: '^a=', line: 'a=9' } },
  { name: 'regexp + firstmatch replaces the first match', initial: conf, params: { regexp: '^a=', line: 'a=9', firstmatch: true } },
  { name: 'regexp without a match appends at EOF', initial: conf, params: { regexp: '^z=', line: 'z=0' } },
  { name: 'regexp without a match inserts after the last insertafter match', initial: conf, params: { regexp: '^z=', line: 'z=0', insertafter: '^a=' } },
  { name: 'insertafter + firstmatch uses the first match', initial: conf, params: { line: 'z=0', insertafter: '^a=', firstmatch: true } },
  { name: 'insertbefore a regexp (last match)', initial: conf, params: { line: 'z=0', insertbefore: '^a=' } },
  { name: 'insertbefore BOF', initial: conf, params: { line: '# top', insertbefore: 'BOF' } },
  { name: 'insertafter BOF', initial: conf, params: { line: '# top', insertafter: 'BOF' } },
  { name: 'insertafter that matches nothing appends at EOF', initial: conf, params: { line: 'z=0', insertafter: '^nomatch' } },
  { name: 'insertafter where the next line already is the line', initial: 'x\ny\n', params: { line: 'y', insertafter: '^x' } },
  { name: 'backrefs expands groups', initial: conf, params: { regexp: '^(b)=(\\d)$', line: '\\1=\\2\\2', backrefs: true } },
  { name: 'backrefs with a named group', initial: conf, params: { regexp: '^(?P<key>c)=.*$', line: '\\g<key>=new', backrefs: true } },
  { name: 'backrefs without a match leaves the file unchanged', initial: conf, params: { regexp: '^nomatch=(.*)', line: 'x=\\1', backrefs: true } },
  { name: 'adds a newline to a last line that lacks one', initial: 'a=1\nb=2', params: { line: 'c=3' } },
  { name: 'regexp matching another line than the line itself replaces it', initial: 'a=1\nb=2\n', params: { regexp: '^a=', line: 'b=2' } },
  { name: '$ does not match before \\r\\n', initial: 'key=1\r\nother\n', params: { regexp: 'key=1$', line: 'key=2' } },
  { name: '\\s*$ matches through the newline', initial: 'key = 1   \nother\n', params: { regexp: '^key\\s*=\\s*1\\s*$', line: 'key = 2' } },
  { name: 'an empty regexp matches every line (the last is replaced)', initial: conf, params: { regexp: '', line: 'last' } },
  { name: 'search_string replaces the line containing it', initial: conf, params: { search_string: '# comm', line: '# replaced' } },
  { name: 'state=absent removes every regexp match', initial: conf, params: { state: 'absent', regexp: '^a=' } },
  { name: 'state=absent removes an exact line', initial: conf, params: { state: 'absent', line: 'b=2' } },
  { name: 'state=absent with nothing to remove', initial: conf, params: { state: 'absent', line: 'zzz' } },
  { name: 'create=true makes the missing file', initial: null, params: { line: 'new', create: true } },
  { name: 'a missing file without create fails', initial: null, params: { line: 'new' } },
  { name: 'UTF-8 content and a regexp with a dot per byte', initial: 'name=Zoë\nx=1\n', params: { regexp: '^name=Zo.$', line: 'name=none' } },
];

compareWithAnsible('lineinfile', lineinfile, cases, 15);
