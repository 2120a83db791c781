/**
 * `hostwright init [DIR]`: the start of a team's infrastructure repository, laid out the way an
 * Ansible user expects (README "Your own repository"): ansible.cfg, inventory/ with its
 * group_vars/, playbooks/, roles/, and a strict tsconfig.json. Files that exist are left alone,
 * so init never overwrites a team's work; it says which ones it kept.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Relative path → content. The playbook runs as is on any host that answers ssh. */
export const STARTER_FILES: Readonly<Record<string, string>> = {
  'ansible.cfg': `# Read by Hostwright and ansible-playbook alike: see \`npx hostwright --show-config\`.
[defaults]
inventory = inventory/hosts.ini
forks = 10
# remote_user = deploy
# private_key_file = ~/.ssh/id_ed25519
retry_files_enabled = False
`,
  'inventory/hosts.ini': `# The hosts, as Ansible reads them. group_vars/ and host_vars/ sit next to this file.
[web]
web1.example.com

[web:vars]
motd_note=serves the shop front
`,
  'inventory/group_vars/all.yml': `# Variables every host gets (Ansible's group_vars/all).
org: Example Org
contact: ops@example.com
`,
  'roles/motd.ts': `/** A role is a function of typed values that returns tasks; playbooks call it. */
import { task, type Items } from 'hostwright';
import { copy } from 'hostwright/modules';

export interface MotdVars {
  /** Whom to ask before changing a host by hand. */
  contact: string;
}

export function motd(v: MotdVars): Items {
  return [
    task(
      'login banner',
      copy((h) => ({
        dest: '/etc/motd',
        mode: '0644',
        content: \`\${h.host}: managed by Hostwright for \${String(h.vars['org'])}. Ask \${v.contact} first.\\n\`,
      })),
      { tags: ['motd'] },
    ),
  ];
}
`,
  'playbooks/site.ts': `/**
 * The main playbook: npx hostwright playbooks/site.ts --check --diff
 * (or npx tsx playbooks/site.ts ...). The inventory comes from ansible.cfg, or -i.
 */
import { play, playbook } from 'hostwright';
import { motd } from '../roles/motd.js';

export default playbook(import.meta, [
  play({
    name: 'base',
    hosts: 'all',
    tasks: [motd({ contact: 'ops@example.com' })],
  }),
]);
`,
  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        verbatimModuleSyntax: true,
        noEmit: true,
      },
      include: ['playbooks', 'roles', 'inventory'],
    },
    null,
    2,
  )}\n`,
};

export interface InitIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Writes the starter files into dir; returns the exit code. */
export function initRepository(dir: string, io: InitIO): number {
  const root = path.resolve(dir);
  for (const [name, content] of Object.entries(STARTER_FILES)) {
    const file = path.join(root, name);
    if (existsSync(file)) {
      io.out.write(`kept     ${name} (exists)\n`);
      continue;
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { flag: 'wx' });
    io.out.write(`created  ${name}\n`);
  }
  io.out.write(
    `\nNext: put your hosts in inventory/hosts.ini, then\n` +
      `  npx tsc            type-check the playbooks (needs typescript and @types/node)\n` +
      `  npx hostwright playbooks/site.ts --check --diff\n`,
  );
  return 0;
}
