/**
 * One task per case, the cases given as JSON in HOSTWRIGHT_CASES (`[{ name, params }]`) for the
 * module named in HOSTWRIGHT_CASES_MODULE (firewalld or ufw): the Hostwright side of the parity
 * tests with ansible.posix.firewalld and community.general.ufw (see parity.ts beside this file).
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { firewalld, ufw, type FirewalldParams, type UfwParams } from '../../../../modules/index.js';

const cases = JSON.parse(process.env.HOSTWRIGHT_CASES ?? '[]') as { name: string; params: Record<string, unknown> }[];
const call = (params: Record<string, unknown>) =>
  process.env.HOSTWRIGHT_CASES_MODULE === 'ufw' ? ufw(params as UfwParams) : firewalld(params as unknown as FirewalldParams);

export default playbook(import.meta, [
  play({ name: 'parity cases', hosts: 'all', gather_facts: false, tasks: cases.map((c) => task(c.name, call(c.params))) }),
]);
