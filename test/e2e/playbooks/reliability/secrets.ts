/**
 * Every way a secret enters a run, each used so that it would show up somewhere if it were not
 * masked: a Secret in play vars written by copy and then printed by a later task, a Secret param
 * through a failing validate (an error path) and through a later copy's --diff, a Secret computed
 * by a function param, a no_log task with secret loop items, and the -K become password echoed by a
 * careless command (passed in with -e leak=...). test/e2e/reliability.test.ts greps every output.
 */
import { play, playbook, secret, task } from '../../../../runner/index.js';
import { command, copy, shell } from '../../../../modules/index.js';

export const SECRETS = {
  vars: 'vault-db-pass-51c3e',
  param: 'copy-param-secret-9d20f',
  fnParam: 'fn-param-secret-77ab1',
  item: 'loop-item-secret-4e8c2',
  noLogCmd: 'nolog-cmd-secret-0b6d9',
};

export default playbook(import.meta, [
  play({
    name: 'secrets',
    hosts: 'all',
    become: true,
    gather_facts: false,
    vars: { db_password: secret(SECRETS.vars) },
    tasks: [
      // Printed by an earlier task than the one that uses it: known from the playbook itself.
      task('print before use', command({ cmd: `cat /tmp/rel-secret-param` }), { ignore_errors: true }),
      task('vars secret to a file', copy((h) => ({ dest: '/tmp/rel-secret-vars', content: h.vars.db_password as ReturnType<typeof secret<string>>, mode: '0600' }))),
      task('print it', command({ cmd: 'cat /tmp/rel-secret-vars' })),
      task('secret param', copy({ dest: '/tmp/rel-secret-param', content: secret(`${SECRETS.param}\n`), mode: '0600' })),
      task('secret param, failing validate that prints it', copy({ dest: '/tmp/rel-secret-invalid', content: secret(SECRETS.param), validate: 'cat %s; exit 3' }), { ignore_errors: true }),
      task('secret param to the diffed file', copy({ dest: '/tmp/rel-secret-diff', content: secret(`${SECRETS.param}\n`) })),
      task('a later copy over it, under --diff', copy({ dest: '/tmp/rel-secret-diff', content: 'public now\n' })),
      task('function param secret', copy(() => ({ dest: '/tmp/rel-secret-fn', content: secret(SECRETS.fnParam) }))),
      task('print it and fail', shell({ cmd: 'cat /tmp/rel-secret-fn; exit 5' }), { ignore_errors: true }),
      task('no_log loop', command((h) => ({ cmd: `echo ${String(h.item)} ${SECRETS.noLogCmd}` })), { loop: [SECRETS.item], no_log: true }),
      task('echo the become password', command((h) => ({ cmd: `echo ${String(h.vars.leak)}` }))),
    ],
  }),
]);
