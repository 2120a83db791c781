/**
 * base: what every host gets first. A login banner that says which host this is and who runs it
 * (rendered from the host's facts), the marker that tells people and scripts the host is managed,
 * and raised open-file limits for the service account.
 */
import { block, task, type Items } from '../../runner/index.js';
import { blockinfile, copy, template } from '../../modules/index.js';

export interface BaseVars {
  /** Who runs these hosts, shown at login. */
  org: string;
  /** Where to ask before changing a host by hand. */
  contact: string;
  /** The service account whose limits are raised (the app role deploys as it). */
  serviceUser: string;
  /** Open files allowed to the service account. */
  nofile: number;
}

export function base(v: BaseVars): Items {
  return [
    block({
      tags: ['base'],
      block: [
        task(
          'login banner',
          template({
            dest: '/etc/motd',
            mode: '0644',
            render: (h) =>
              `${h.facts.hostname}: ${h.facts.distribution} ${h.facts.distribution_version} (${h.facts.architecture}), run by ${v.org}\n` +
              `Managed by Hostwright: changes made here by hand are overwritten. Ask ${v.contact} first.\n`,
          }),
        ),
        task(
          'managed-host marker',
          copy({ dest: '/etc/hostwright', mode: '0644', content: `# This host is managed by Hostwright (playbooks/site.ts).\nmanaged_by=hostwright\norg=${v.org}\n` }),
        ),
        task(
          'open-file limits for the service account',
          blockinfile({
            path: '/etc/security/limits.conf',
            marker: '# {mark} HOSTWRIGHT base',
            insertbefore: '^# End of file',
            block: `${v.serviceUser} soft nofile ${v.nofile}\n${v.serviceUser} hard nofile ${v.nofile}\n`,
          }),
        ),
      ],
    }),
  ];
}
