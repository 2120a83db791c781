/**
 * --step, as ansible-playbook's (strategy/__init__.py _take_step): before each task the user is
 * asked `Perform task: TASK: name (N)o/(y)es/(c)ontinue: `; y/yes runs it, c/continue runs it and
 * every later task without asking, anything else (Enter included) skips it. The linear strategy
 * asks once per task, the free one once per task and host (`... on web1 ...`). The question is
 * repeated as a banner afterwards (a `step` event), as Ansible does.
 */
import { createInterface, type Interface } from 'node:readline';

/** Writes the question and resolves with the answer line, undefined at end of input. */
export type Ask = (question: string) => Promise<string | undefined>;

export class StepMode {
  #asking = true;
  /** One question at a time: the free strategy's hosts may reach a task together. */
  #queue: Promise<unknown> = Promise.resolve();
  #cancel!: () => void;
  readonly #cancelled = new Promise<undefined>((resolve) => (this.#cancel = () => resolve(undefined)));

  constructor(readonly ask: Ask) {}

  /** The question for this task, or undefined once the user chose (c)ontinue. */
  async confirm(taskName: string, host?: string, kind: 'TASK' | 'HANDLER' = 'TASK'): Promise<{ run: boolean; question: string } | undefined> {
    const turn = this.#queue.then(async () => {
      if (!this.#asking) return undefined;
      // The task's repr: `TASK: name`, or `HANDLER: name` (playbook/task.py, handler.py).
      const question = `Perform task: ${kind}: ${taskName} ${host !== undefined ? `on ${host} ` : ''}(N)o/(y)es/(c)ontinue: `;
      const answer = await Promise.race([this.#cancelled, this.ask(question)]);
      const said = (answer ?? '').toLowerCase();
      if (said === 'c' || said === 'continue') this.#asking = false;
      return { run: ['y', 'yes', 'c', 'continue'].includes(said), question };
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Ctrl-C: nothing more is asked (pending questions count as no). */
  cancel(): void {
    this.#cancel();
  }
}

/**
 * Questions on `output`, answers as lines from `input` (the terminal, or a pipe: `yes y | ...`).
 * The end of input answers no, so a closed stdin never runs a task unasked.
 */
export function lineAsker(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Ask & { close(): void } {
  let rl: Interface | undefined;
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  const start = (): void => {
    rl = createInterface({ input, terminal: false });
    rl.on('line', (line) => {
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    });
    rl.on('close', () => {
      ended = true;
      for (const w of waiting.splice(0)) w(undefined);
    });
  };
  const ask = (question: string): Promise<string | undefined> => {
    if (!rl) start();
    output.write(question);
    if (lines.length) return Promise.resolve(lines.shift());
    if (ended) return Promise.resolve(undefined);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return Object.assign(ask, { close: () => rl?.close() });
}
