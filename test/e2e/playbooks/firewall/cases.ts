/**
 * One firewalld task per case, the cases given as JSON in HOSTWRIGHT_FIREWALLD_CASES
 * (`[{ name, params }]`): the Hostwright side of the parity test with ansible.posix.firewalld.
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { firewalld, type FirewalldParams } from '../../../../modules/index.js';

const cases = JSON.parse(process.env.HOSTWRIGHT_FIREWALLD_CASES ?? '[]') as { name: string; params: FirewalldParams }[];

export default playbook(import.meta, [
  play({ name: 'firewalld cases', hosts: 'all', gather_facts: false, tasks: cases.map((c) => task(c.name, firewalld(c.params))) }),
]);
