/**
 * The generic package module (Ansible's `package`), exported as `pkg` because `package` is a
 * reserved word in ES modules. The backend comes from facts.pkg_mgr (or `use`): apt on Debian and
 * Ubuntu, dnf on Fedora and RHEL; the backend's module does the work.
 */
import { defineModule } from '../../runner/module.js';
import type { Plan } from '../../runner/module.types.js';
import { gatherApt, planApt, type AptState } from './apt.js';
import { overlayApt } from './predict.js';
import { gatherDnf, planDnf, type DnfState } from './dnf.js';
import { packageDefinition, type PackageParams } from './package.params.js';

export type { PackageParams } from './package.params.js';

export type PackageState = { backend: 'apt'; state: AptState } | { backend: 'dnf'; state: DnfState } | { backend: 'none'; pkgMgr: string };

export const pkg = defineModule<PackageParams, PackageState>({
  ...packageDefinition,
  async gather(p, probe, ctx) {
    const use = p.use && p.use !== 'auto' ? p.use : ctx.facts.pkg_mgr;
    const { use: _use, ...params } = p;
    if (use === 'apt') return { backend: 'apt', state: await gatherApt(params, probe, ctx.check) };
    if (use === 'dnf' || use === 'yum') return { backend: 'dnf', state: await gatherDnf(params, probe) };
    return { backend: 'none', pkgMgr: use };
  },
  plan(p, s): Plan {
    const { use: _use, ...params } = p;
    if (s.backend === 'apt') return planApt(params, s.state);
    if (s.backend === 'dnf') return planDnf(params, s.state);
    return { changed: false, actions: [], failed: `no package backend for pkg_mgr '${s.pkgMgr}' (apt and dnf are supported; set use:)` };
  },
  overlay(s, predicted, p) {
    const { use: _use, ...params } = p;
    return s.backend === 'apt' ? { backend: 'apt', state: overlayApt(s.state, predicted, params) } : s;
  },
});
