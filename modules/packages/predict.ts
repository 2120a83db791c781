/**
 * Check mode across tasks for the package modules: a plan declares the packages its transaction
 * installs, upgrades and removes (with versions) and a refreshed apt cache; a later task overlays
 * those on what it observed, so `apt: name=nginx` after an earlier task installed nginx plans no
 * change in check mode, as in the real run.
 *
 * Limits: the overlay re-decides what to ask for from the predicted versions and drops the steps
 * an earlier task already does; it does not re-run apt's solver, so dependencies an earlier
 * transaction pulled in are only known as far as that transaction listed them.
 */
import type { Effect, Predicted } from '../../runner/module.types.js';
import { contentsEffects, transactionOf } from './apt-contents.js';
import type { DpkgStatus } from './apt-parse.js';
import { parseSpec } from './apt-parse.js';
import { aptRequest, nameList, type AptParams, type AptState } from './apt.js';
import type { TransactionStep } from './transaction.js';
import { APT_SOURCES } from './sources-predict.js';

/** What an apt refresh leaves: the lists are fresh (a later cache_valid_time is met). */
export const APT_CACHE = { type: 'apt_cache', key: 'lists' } as const;

export function packageEffects(steps: readonly TransactionStep[]): Effect[] {
  return steps.map((s) =>
    s.op === 'remove' || s.op === 'purge' ? { kind: 'package', name: s.name, state: 'absent' } : { kind: 'package', name: s.name, state: 'present', ...(s.to ? { version: s.to } : {}) },
  );
}

export function aptEffects(s: AptState): Effect[] {
  const installs = new Set(s.steps.filter((st) => st.op === 'install').map((st) => st.name));
  return [
    ...(s.cacheStale ? [{ kind: 'resource' as const, ...APT_CACHE, state: 'present' as const }] : []),
    ...packageEffects(s.steps),
    ...(s.contents ? s.contents.packages.filter((c) => installs.has(c.name)).flatMap((c) => contentsEffects(c, transactionOf(s.contents!))) : []),
  ];
}

export function overlayApt(s: AptState, predicted: Predicted, p: AptParams): AptState {
  // An earlier task changes apt's sources: what this host's lists offer now (the package, its
  // version, its dependencies) need not be what the run finds, unless nothing is to be installed.
  const sources = predicted.resource(APT_SOURCES.type, APT_SOURCES.key);
  if (sources && nameList(p.name).length > 0 && p.state !== 'absent' && (s.problem !== undefined || s.steps.length > 0 || p.state === 'latest')) {
    predicted.unpredictable(sources.by, 'the packages its sources offer are known only once apt has read them');
  }
  let out = s;
  // An earlier task refreshed the cache: a cache_valid_time is met (update_cache alone always refreshes).
  if (s.cacheStale && (p.cache_valid_time ?? 0) > 0 && predicted.resource(APT_CACHE.type, APT_CACHE.key)) out = { ...out, cacheStale: false };
  const names = nameList(p.name).map((n) => parseSpec(n).name);
  const predictions = names.map((n) => [n, predicted.package(n)] as const).filter(([, pr]) => pr !== undefined);
  if (predictions.length === 0 || s.problem) return out;
  const dpkg = new Map<string, DpkgStatus>(s.dpkg);
  for (const [name, pr] of predictions) {
    if (pr!.state === 'absent') dpkg.delete(name);
    else dpkg.set(name, { abbrev: 'ii', version: pr!.version ?? dpkg.get(name)?.version ?? '' });
  }
  const req = aptRequest(p, nameList(p.name), dpkg, s.policy);
  if (req === undefined) {
    const { request: _planned, ...rest } = out;
    return { ...rest, dpkg, steps: [] };
  }
  if ('failed' in req) return { ...out, dpkg, steps: [], problem: req.failed };
  // Steps an earlier task already makes (the same package at the same version, or the same removal) are not this task's.
  const done = (st: TransactionStep): boolean => {
    const pr = predicted.package(st.name);
    if (!pr) return false;
    if (st.op === 'remove' || st.op === 'purge') return pr.state === 'absent';
    return pr.state === 'present' && pr.version === st.to;
  };
  return { ...out, dpkg, request: req, steps: s.steps.filter((st) => !done(st)) };
}
