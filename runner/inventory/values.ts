/**
 * Variable values as Ansible holds them. Python keeps `1.0` a float and prints it as `1.0`; a JS
 * number cannot. Parsers box floats in PyFloat (and `!unsafe` strings in PyUnsafe), and
 * `normalizeValue` turns them back into plain numbers and strings while remembering, per container
 * and key, what they were — so the engine sees ordinary values and the inventory CLI can still
 * print exactly what ansible-inventory prints. Tuples (INI `x=(1, 2)`) are arrays remembered too.
 */
import type { Vars } from './types.js';

export class PyFloat {
  constructor(readonly value: number) {}
}

/** A string Ansible must not template (YAML `!unsafe`). */
export class PyUnsafe {
  constructor(readonly value: string) {}
}

type Kind = 'float' | 'unsafe';
const kinds = new WeakMap<object, Map<string | number, Kind>>();
const tuples = new WeakSet<unknown[]>();

function mark(container: object, key: string | number, kind: Kind | undefined): void {
  let keys = kinds.get(container);
  if (!kind) {
    keys?.delete(key);
    return;
  }
  if (!keys) kinds.set(container, (keys = new Map()));
  keys.set(key, kind);
}

function kindAt(container: object, key: string | number): Kind | undefined {
  return kinds.get(container)?.get(key);
}

export function isFloatAt(container: object, key: string | number): boolean {
  return kindAt(container, key) === 'float';
}

/** True when the value at container[key] came from `!unsafe` and must not be templated. */
export function isUnsafeAt(container: object, key: string | number): boolean {
  return kindAt(container, key) === 'unsafe';
}

export function markTuple(items: unknown[]): unknown[] {
  tuples.add(items);
  return items;
}

function boxKind(value: unknown): Kind | undefined {
  return value instanceof PyFloat ? 'float' : value instanceof PyUnsafe ? 'unsafe' : undefined;
}

/** Replaces PyFloat/PyUnsafe boxes (in place, recursively) and records where they were. */
export function normalizeValue(value: unknown): unknown {
  if (value instanceof PyFloat || value instanceof PyUnsafe) return value.value;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      mark(value, i, boxKind(item));
      value[i] = normalizeValue(item);
    });
  } else if (isPlainObject(value)) {
    for (const [k, item] of Object.entries(value)) {
      mark(value, k, boxKind(item));
      value[k] = normalizeValue(item);
    }
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat) && !(value instanceof PyUnsafe);
}

/** Sets one variable, keeping the marker (float, unsafe) it had in its source container. */
export function setVar(target: Vars, key: string, value: unknown, from?: object, fromKey?: string): void {
  if (value instanceof PyFloat || value instanceof PyUnsafe) {
    target[key] = value.value;
    mark(target, key, boxKind(value));
    return;
  }
  target[key] = value;
  mark(target, key, from ? kindAt(from, fromKey ?? key) : undefined);
}

/** ansible.utils.vars.combine_vars with the default hash_behaviour=replace: `a | b`. */
export function combineVars(a: Vars, b: Vars): Vars {
  const result: Vars = {};
  for (const k of Object.keys(a)) setVar(result, k, a[k], a);
  for (const k of Object.keys(b)) setVar(result, k, b[k], b);
  return result;
}

const pyCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Python's float repr: shortest digits, positional for exponents -4..15, else 1e+16 style. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const [mantissa = '0', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = n.toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exp));
  return s.includes('.') ? s : `${s}.0`;
}

function jsonNumber(n: number, float: boolean): string {
  if (float) {
    if (Number.isNaN(n)) return 'NaN';
    if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
    return pyFloatRepr(n);
  }
  return String(n);
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function jsonString(s: string): string {
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => JSON_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** json.dumps(value, sort_keys=True, indent=4, ensure_ascii=False), as ansible-inventory prints. */
export function toAnsibleJson(value: unknown, level = 0, kind?: Kind): string {
  const float = kind === 'float';
  if (kind === 'unsafe') return toAnsibleJson({ __ansible_unsafe: value }, level);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return jsonNumber(value, float);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return jsonString(value);
  if (value instanceof PyFloat) return jsonNumber(value.value, true);
  const pad = '    '.repeat(level + 1);
  const end = '    '.repeat(level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v, i) => pad + toAnsibleJson(v, level + 1, kindAt(value, i)));
    return `[\n${items.join(',\n')}\n${end}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort(pyCompare);
  if (keys.length === 0) return '{}';
  const items = keys.map((k) => `${pad}${jsonString(k)}: ${toAnsibleJson(obj[k], level + 1, kindAt(obj, k))}`);
  return `{\n${items.join(',\n')}\n${end}}`;
}

/** Python's repr() of a str: single quotes unless the text holds ' and no ". */
function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/[\\\n\r\t\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/** Python's repr() of a value (as inside a list or dict). */
export function pyRepr(value: unknown, float = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return float ? pyFloatRepr(value) : String(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof PyUnsafe) return pyStrRepr(value.value);
  if (Array.isArray(value)) {
    const items = value.map((v, i) => pyRepr(v, isFloatAt(value, i)));
    if (!tuples.has(value)) return `[${items.join(', ')}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).map((k) => `${pyStrRepr(k)}: ${pyRepr(obj[k], isFloatAt(obj, k))}`).join(', ')}}`;
}

/** Python's str() of a value: strings bare, everything else as repr. */
export function pyStr(value: unknown, float = false): string {
  return typeof value === 'string' ? value : pyRepr(value, float);
}
