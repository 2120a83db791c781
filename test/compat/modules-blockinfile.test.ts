/**
 * blockinfile against the real Ansible module: the same starting file and parameters through both;
 * the resulting file, changed, the message and the content diff must be identical.
 */
import { blockinfile } from '../../modules/blockinfile.js';
import { compareWithAnsible, type Case } from '../fixtures/modules/compare-ansible.js';

const conf = 'a=1\n# section\nb=2\n# section\nc=3\n';
const withBlock = 'a=1\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nz=9\n';

const cases: Case[] = [
  { name: 'inserts the block at EOF', initial: conf, params: { block: 'x=1\ny=2' } },
  { name: 'leaves an identical block alone', initial: withBlock, params: { block: 'old' } },
  { name: 'replaces the block between the markers', initial: withBlock, params: { block: 'new1\nnew2\n' } },
  { name: 'state=absent removes the block', initial: withBlock, params: { state: 'absent' } },
  { name: 'an empty block removes the block', initial: withBlock, params: { block: '' } },
  { name: 'state=absent without a block changes nothing', initial: conf, params: { state: 'absent' } },
  { name: 'insertbefore BOF', initial: conf, params: { block: 'top', insertbefore: 'BOF' } },
  { name: 'insertafter a regexp (last match)', initial: conf, params: { block: 'after', insertafter: '^# section' } },
  { name: 'insertbefore a regexp (last match)', initial: conf, params: { block: 'before', insertbefore: '^# section' } },
  { name: 'insertafter a regexp that matches nothing goes to EOF', initial: conf, params: { block: 'eof', insertafter: '^nomatch' } },
  { name: 'multiline insertafter regexp', initial: conf, params: { block: 'ml', insertafter: '(?m)^b=2$' } },
  { name: 'custom marker with {mark}, marker_begin and marker_end', initial: conf, params: { block: 'k', marker: '// {mark} managed', marker_begin: 'START', marker_end: 'STOP' } },
  { name: 'adds a newline before the block when the file lacks one', initial: 'a=1', params: { block: 'b' } },
  { name: 'markers in reverse order are replaced', initial: 'x\n# END ANSIBLE MANAGED BLOCK\nmid\n# BEGIN ANSIBLE MANAGED BLOCK\ny\n', params: { block: 'fixed' } },
  { name: 'only a begin marker: the block is inserted anew', initial: 'x\n# BEGIN ANSIBLE MANAGED BLOCK\ny\n', params: { block: 'b' } },
  { name: 'create=true makes the missing file', initial: null, params: { block: 'new', create: true } },
  { name: 'a missing file without create fails', initial: null, params: { block: 'new' } },
  { name: 'state=absent on a missing file', initial: null, params: { state: 'absent' } },
];

compareWithAnsible('blockinfile', blockinfile, cases, 8);
