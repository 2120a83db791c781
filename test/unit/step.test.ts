import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../runner/cli.js';
import { lineAsker, StepMode } from '../../runner/step.js';

function asker(answers: string, end = true) {
  let out = '';
  const input = new PassThrough();
  if (end) input.end(answers);
  else input.write(answers);
  const ask = lineAsker(input, { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream);
  return { ask, out: () => out };
}

describe('--step', () => {
  it('is a flag of the command line', () => {
    const c = parseCli(['--step']);
    expect(c.action === 'run' && c.options.step).toBe(true);
  });

  it('y runs, anything else skips, c runs this one and stops asking', async () => {
    const { ask, out } = asker('y\nx\nc\n');
    const step = new StepMode(ask);
    expect(await step.confirm('a')).toEqual({ run: true, question: 'Perform task: TASK: a (N)o/(y)es/(c)ontinue: ' });
    expect((await step.confirm('b', 'web1'))?.run).toBe(false);
    expect((await step.confirm('c', undefined, 'HANDLER'))?.run).toBe(true);
    expect(await step.confirm('d')).toBeUndefined();
    expect(out()).toBe(
      'Perform task: TASK: a (N)o/(y)es/(c)ontinue: Perform task: TASK: b on web1 (N)o/(y)es/(c)ontinue: Perform task: HANDLER: c (N)o/(y)es/(c)ontinue: ',
    );
  });

  it('the end of input answers no: nothing runs unasked', async () => {
    const step = new StepMode(asker('').ask);
    expect((await step.confirm('a'))?.run).toBe(false);
    expect((await step.confirm('b'))?.run).toBe(false);
  });

  it('Ctrl-C while a question waits answers it no', async () => {
    const step = new StepMode(asker('', false).ask);
    const pending = step.confirm('a');
    step.cancel();
    expect((await pending)?.run).toBe(false);
  });
});
