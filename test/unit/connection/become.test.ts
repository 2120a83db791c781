import { describe, expect, it } from 'vitest';
import { commandLine } from '../../../runner/connection/become.js';
import { secret } from '../../../runner/secret.js';

describe('commandLine', () => {
  it('runs a plain script with /bin/sh -c', () => {
    expect(commandLine('echo "$HOME"')).toEqual({ argv: ['/bin/sh', '-c', 'echo "$HOME"'] });
  });

  it('uses sudo -n when no password is given', () => {
    const { argv, handshake } = commandLine('id', { user: 'root' }, 'abc');
    expect(argv.slice(0, 8)).toEqual(['sudo', '-H', '-S', '-n', '-u', 'root', '--', '/bin/sh']);
    expect(argv.at(-1)).toBe('id');
    expect(argv.at(-2)).toBe('hostwright-become-ok-abc');
    expect(handshake).toMatchObject({ withPassword: false, marker: 'hostwright-become-ok-abc', user: 'root' });
  });

  it('asks for the password with a unique prompt and -k, never putting it on argv', () => {
    const { argv, handshake } = commandLine('id', { user: 'postgres', password: secret('s3cr3t-pw') }, 'n1');
    expect(argv).toContain('-k');
    expect(argv).not.toContain('-n');
    expect(argv[argv.indexOf('-p') + 1]).toBe('[hostwright sudo n1] password: ');
    expect(argv[argv.indexOf('-u') + 1]).toBe('postgres');
    expect(argv.join(' ')).not.toContain('s3cr3t-pw');
    expect(handshake?.withPassword).toBe(true);
  });

  it('runs the script under the host\'s timeout, in whole seconds, when a timeout is set', () => {
    const plain = commandLine('work', undefined, 'n', 1500);
    expect(plain.argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(plain.argv[2]).toContain('exec timeout -s KILL "$2" /bin/sh -c "$1"');
    expect(plain.argv.slice(3)).toEqual(['hostwright', 'work', '2']);
    const become = commandLine('work', { user: 'root' }, 'n', 200);
    expect(become.argv.slice(-3)).toEqual(['hostwright-become-ok-n', 'work', '1']);
  });

  it('makes a new prompt and marker for every command', () => {
    const a = commandLine('id', { user: 'root' });
    const b = commandLine('id', { user: 'root' });
    expect(a.handshake?.marker).not.toBe(b.handshake?.marker);
  });
});
