/** Bad parameters are caught when the call is made (playbook load), naming the field. */
import { describe, expect, it } from 'vitest';
import { blockinfile, command, copy, file, lineinfile, service, shell, stat, template } from '../../../modules/index.js';
import { secret } from '../../../runner/secret.js';
import type { ParamIssue } from '../../../runner/module.js';

// Calls built from untyped input (as a converted YAML task would be), to reach the runtime checks.
const loose = <T>(v: unknown): T => v as T;

function fields(issues: ParamIssue[]): string[] {
  return issues.map((i) => i.field);
}

describe('module parameter validation', () => {
  it('valid calls have no issues and get defaults filled', () => {
    const call = copy({ dest: '/etc/motd', content: 'hi' });
    expect(call.issues).toEqual([]);
    expect(call.params).toMatchObject({ backup: false, force: true });
    expect(file({ path: '/tmp/x', state: 'directory', mode: 'u=rwx,go=rx' }).issues).toEqual([]);
    expect(lineinfile({ path: '/etc/x', line: 'a' }).issues).toEqual([]);
    expect(service({ name: 'cron', state: 'started', enabled: true }).issues).toEqual([]);
  });
  it("validation leaves the caller's params as given (defaults go into the call's own copy)", () => {
    const p = { path: '/x' };
    expect(stat(p).issues).toEqual([]);
    expect(file(p).issues).toEqual([]);
    expect(p).toEqual({ path: '/x' });
    const shared = { dest: '/etc/motd', content: 'hi' };
    const call = copy(shared);
    expect(shared).toEqual({ dest: '/etc/motd', content: 'hi' });
    expect(call.params).toMatchObject({ dest: '/etc/motd', content: 'hi', backup: false, force: true });
    expect(copy(shared).issues).toEqual([]);
    // Per host (params as a function): resolve returns a defaulted copy, the host's object stays.
    const perHost = { dest: '/etc/motd', content: secret('pw') };
    const resolved = copy(() => perHost).resolve(perHost);
    expect(resolved.issues).toEqual([]);
    expect(resolved.params).toMatchObject({ backup: false, force: true });
    expect(resolved.params?.content).toBe(perHost.content);
    expect(Object.keys(perHost)).toEqual(['dest', 'content']);
    expect(copy(() => perHost).resolve({ dest: '/d/', content: 'x' })).toEqual({ issues: [{ field: 'dest', message: expect.any(String) as unknown as string }] });
  });
  it('unknown parameter', () => {
    const issues = copy(loose({ dest: '/x', content: 'a', destination: '/y' })).issues;
    expect(issues).toEqual([{ field: 'destination', message: 'is not a parameter of this module' }]);
  });
  it('missing required parameter', () => {
    expect(copy(loose({ content: 'a' })).issues).toContainEqual({ field: 'dest', message: 'is required' });
    expect(stat(loose({})).issues).toContainEqual({ field: 'path', message: 'is required' });
  });
  it('wrong enum value', () => {
    const issues = file(loose({ path: '/x', state: 'dir' })).issues;
    expect(issues[0]?.field).toBe('state');
    expect(issues[0]?.message).toMatch(/must be one of "file", "directory"/);
    expect(fields(service(loose({ name: 'x', state: 'running' })).issues)).toEqual(['state']);
  });
  it('wrong type', () => {
    expect(fields(copy(loose({ dest: '/x', content: 'a', backup: 'yes' })).issues)).toEqual(['backup']);
    expect(fields(command(loose({ argv: 'ls -l' })).issues)).toEqual(['argv']);
  });
  it('bad mode syntax', () => {
    expect(copy({ dest: '/x', content: 'a', mode: '0o644' }).issues).toEqual([{ field: 'mode', message: expect.stringMatching(/not a valid mode/) as unknown as string }]);
  });
  it('validate must contain %s', () => {
    expect(fields(copy({ dest: '/x', content: 'a', validate: 'visudo -cf' }).issues)).toEqual(['validate']);
  });
  it('mutually exclusive and conditionally required fields', () => {
    expect(copy(loose({ dest: '/x', content: 'a', src: 'f' })).issues).toEqual([{ field: 'content', message: 'src and content are mutually exclusive' }]);
    expect(fields(copy({ dest: '/x' }).issues)).toEqual(['src']);
    expect(fields(copy({ dest: '/d/', content: 'x' }).issues)).toEqual(['dest']);
    expect(fields(command({ cmd: 'ls', argv: ['ls'] }).issues)).toEqual(['argv']);
    expect(fields(command({}).issues)).toEqual(['cmd']);
    expect(fields(command({ cmd: 'echo "unclosed' }).issues)).toEqual(['cmd']);
    expect(fields(lineinfile({ path: '/x' }).issues)).toEqual(['line']);
    expect(fields(lineinfile({ path: '/x', line: 'a', backrefs: true }).issues)).toEqual(['regexp']);
    expect(fields(lineinfile({ path: '/x', line: 'a', insertafter: 'a', insertbefore: 'b' }).issues)).toEqual(['insertafter']);
    expect(fields(lineinfile({ path: '/x', state: 'absent' }).issues)).toEqual(['line']);
    expect(fields(lineinfile({ path: '/x', line: 'a', regexp: '(unclosed' }).issues)).toEqual(['regexp']);
    expect(fields(blockinfile({ path: '/x', insertafter: 'a', insertbefore: 'b' }).issues)).toEqual(['insertbefore']);
    expect(fields(file({ path: '/x', state: 'file', recurse: true }).issues)).toEqual(['recurse']);
    expect(fields(file({ path: '/x', state: 'directory', src: '/y' }).issues)).toEqual(['src']);
    expect(fields(service({ name: 'cron' }).issues)).toEqual(['state']);
    expect(fields(shell(loose({ cmd: 'ls', argv: ['ls'] })).issues)).toEqual(['argv']);
  });
  it('copy content may be a Secret, but not another object', () => {
    expect(copy({ dest: '/x', content: secret('pw') }).issues).toEqual([]);
    expect(copy(loose({ dest: '/x', content: { pw: 1 } })).issues.map((i) => i.field)).toContain('content');
  });
  it('template: the serializable part is checked at load time, render must be a function or string', () => {
    expect(template({ dest: '/x', render: (h) => `${h.host}` }).issues).toEqual([]);
    expect(fields(template(loose({ dest: '/x', render: (): string => '', mode: 'rwx' })).issues)).toEqual(['mode']);
    expect(fields(template(loose({ dest: '/x', render: 42 })).issues)).toEqual(['render']);
    expect(fields(template(loose({ dest: '/x', render: 'x', owner: 3 })).issues)).toEqual(['owner']);
  });
  it('template renders per host through the call params function', () => {
    const call = template({ dest: '/etc/app.conf', render: (h) => `port=${String(h.vars.port)}\n` });
    expect(typeof call.params).toBe('function');
    const params = (call.params as (c: { host: string; vars: Record<string, unknown>; facts: never }) => { content: string })({ host: 'a', vars: { port: 80 }, facts: undefined as never });
    expect(params.content).toBe('port=80\n');
    expect(call.validate(params)).toEqual([]);
  });
});
