/**
 * Typed extra vars: with a typed inventory (inventory/typed.ts) declaring `workers: number`,
 * `-e workers=8` is the number 8, not the string "8" (Ansible reads `k=v` as strings: with its
 * untyped inventories, so do we). A value that cannot be the declared type is a load error naming
 * the variable, before any host is contacted. Values given as JSON/YAML (`-e '{"workers": 8}'`,
 * `-e @file`) already have a type and are left as they are.
 */
import { LoadError } from './errors.js';
import { lazyRequire } from './lazy.js';
import type { Vars } from './vars.js';

/** The kinds a declared value can have, by its runtime value in the typed inventory. */
export type VarKind = 'string' | 'number' | 'boolean' | 'list' | 'dict';

export function kindOf(value: unknown): VarKind | undefined {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'list';
  if (value !== null && typeof value === 'object') return 'dict';
  return undefined;
}

/** Every variable a typed inventory spec sets (group vars and host vars, at any depth), with its kinds. */
export function declaredKinds(spec: unknown, into = new Map<string, Set<VarKind>>()): Map<string, Set<VarKind>> {
  const add = (vars: unknown): void => {
    if (!isObject(vars)) return;
    for (const [name, value] of Object.entries(vars)) {
      const kind = kindOf(value);
      if (!kind) continue;
      let kinds = into.get(name);
      if (!kinds) into.set(name, (kinds = new Set()));
      kinds.add(kind);
    }
  };
  const group = (g: unknown): void => {
    if (!isObject(g)) return;
    add(g.vars);
    if (isObject(g.hosts)) for (const h of Object.values(g.hosts)) add(h);
    if (isObject(g.children)) for (const c of Object.values(g.children)) group(c);
  };
  if (isObject(spec)) for (const g of Object.values(spec)) group(g);
  return into;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const yaml = lazyRequire<typeof import('yaml')>('yaml');

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false };

/** `text` read as `kind`, or undefined when it cannot be one. */
function readAs(text: string, kind: VarKind): { value: unknown } | undefined {
  switch (kind) {
    case 'string':
      return { value: text };
    case 'number':
      return NUMBER.test(text.trim()) ? { value: Number(text) } : undefined;
    case 'boolean': {
      const b = BOOLEANS[text.trim().toLowerCase()];
      return b === undefined ? undefined : { value: b };
    }
    case 'list':
    case 'dict': {
      let value: unknown;
      try {
        // The inventory's own YAML 1.1 (0755 octals, yes/no), as the -e JSON/YAML form is read.
        value = yaml().parse(text, { version: '1.1' });
      } catch {
        return undefined;
      }
      return kindOf(value) === kind ? { value } : undefined;
    }
  }
}

const KIND_NAME: Record<VarKind, string> = { string: 'a string', number: 'a number', boolean: 'a boolean', list: 'a list', dict: 'a dict' };

/**
 * Extra vars with the `-e k=v` ones (`fromText`) read as the types the typed inventory declares.
 * A variable declared with several kinds takes the first its text can be; one declared as a
 * string anywhere stays a string.
 */
export function typeExtraVars(extra: Vars, fromText: readonly string[], declared: ReadonlyMap<string, ReadonlySet<VarKind>> | undefined): Vars {
  if (!declared || declared.size === 0 || fromText.length === 0) return extra;
  const out: Vars = { ...extra };
  for (const name of new Set(fromText)) {
    const kinds = declared.get(name);
    const text = extra[name];
    if (!kinds || kinds.has('string') || typeof text !== 'string') continue;
    const read = [...kinds].map((k) => readAs(text, k)).find((r) => r !== undefined);
    if (!read) {
      const wanted = [...kinds].map((k) => KIND_NAME[k]).join(' or ');
      throw new LoadError(`extra var '${name}': '${text}' is not ${wanted}, as the typed inventory declares '${name}'`);
    }
    out[name] = read.value;
  }
  return out;
}
