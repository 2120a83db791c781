#!/usr/bin/env node
/**
 * The `hostwright` command of the installed package (package.json "bin"):
 *
 *   npx hostwright playbooks/site.ts --check     same as `npx tsx playbooks/site.ts --check`
 *   npx hostwright init [DIR]                     start a repository (runner/init.ts)
 *   npx hostwright --show-config                  what ansible.cfg and ANSIBLE_* set, and from where
 *
 * A playbook runs in this process: tsx's loader is registered (so the .ts file and whatever it
 * imports load as TypeScript) and argv is made to look as if the playbook file had been started
 * directly, because that is how a playbook knows it is the entry point (runner/dsl.ts) and where
 * its flags begin.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: hostwright PLAYBOOK.ts [options]    run a playbook (see hostwright PLAYBOOK.ts --help)
       hostwright init [DIR]                 start a repository: ansible.cfg, inventory/, playbooks/, roles/
       hostwright --show-config              the settings ansible.cfg and ANSIBLE_* give, and where from
       hostwright --version
`;

async function main(args: string[]): Promise<number | undefined> {
  const [first, ...rest] = args;
  if (first === undefined || first === '-h' || first === '--help') {
    (first === undefined ? process.stderr : process.stdout).write(USAGE);
    return first === undefined ? 5 : 0;
  }
  if (first === 'init') {
    const { initRepository } = await import('./init.js');
    return initRepository(rest[0] ?? '.', { out: process.stdout, err: process.stderr });
  }
  if (first === '--version' || first === '--show-config') {
    // Answered by the playbook command line, which needs no playbook for these.
    const { runCli } = await import('./cli.js');
    return runCli(args, async () => 0);
  }
  if (first.startsWith('-')) {
    process.stderr.write(`ERROR! the playbook comes first: hostwright PLAYBOOK.ts ${args.join(' ')}\n\n${USAGE}`);
    return 5;
  }
  const file = path.resolve(first);
  // Both of tsx's hooks, as its own launcher registers them: a repository without
  // `"type": "module"` loads the playbook as CommonJS, which imports our ES modules.
  (await import('tsx/esm/api')).register();
  (await import('tsx/cjs/api')).register();
  process.argv = [process.argv[0]!, file, ...rest];
  try {
    // The playbook's own code runs the play and exits (runner/dsl.ts): the Hostwright it imports
    // arms the entry point for it (runner/index.ts, which reads argv). Not imported here before
    // the playbook: a playbook of this repository imports the sources, and loading dist's copy as
    // well cost ~75 files' load time (issue 18).
    await import(pathToFileURL(file).href);
  } catch (error) {
    const { loadErrorText } = await import('./index.js');
    const notFound = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(`'${file}'`);
    process.stderr.write(`ERROR! ${notFound ? `the playbook ${first} could not be found` : loadErrorText(error)}\n`);
    process.exit(notFound ? 5 : 4);
  }
  return undefined;
}

main(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exitCode = code;
});
