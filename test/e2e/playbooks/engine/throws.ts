/** A playbook whose own code throws while it loads: one ERROR! line with file:line, exit 4. */
import { play, playbook } from '../../../../runner/index.js';

const webServers: string[] = [];
if (webServers.length === 0) throw new Error('no web servers configured');

export default playbook(import.meta, [play({ hosts: 'all', tasks: [] })]);
