/**
 * A package manager's transaction (apt's simulation, dnf's transaction) as the plan shows it: the
 * diff lists the affected packages with their versions before and after (`name version`, sorted),
 * and the result names what is installed, upgraded, downgraded and removed. Shared by apt and dnf.
 */
import type { FileDiff } from '../../runner/module.types.js';

export interface TransactionStep {
  op: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove' | 'purge';
  name: string;
  from?: string;
  to?: string;
}

export function packageDiff(steps: readonly TransactionStep[]): FileDiff {
  const sorted = [...steps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const before = sorted.filter((s) => s.from !== undefined).map((s) => `${s.name} ${s.from}\n`).join('');
  const after = sorted.filter((s) => s.to !== undefined && s.op !== 'remove' && s.op !== 'purge').map((s) => `${s.name} ${s.to}\n`).join('');
  return { before, after, before_header: 'packages (before)', after_header: 'packages (after)' };
}

/** `installed: ['jq=1.6-2.1', ...]`, `upgraded`, `downgraded`, `removed` (empty lists omitted). */
export function packageResult(steps: readonly TransactionStep[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (key: string, v: string): void => {
    (out[key] ??= []).push(v);
  };
  for (const s of steps) {
    if (s.op === 'install' || s.op === 'reinstall') add('installed', `${s.name}=${s.to}`);
    else if (s.op === 'upgrade') add('upgraded', `${s.name}=${s.to}`);
    else if (s.op === 'downgrade') add('downgraded', `${s.name}=${s.to}`);
    else add('removed', `${s.name}=${s.from ?? ''}`);
  }
  return out;
}
