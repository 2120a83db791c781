/**
 * POSIX sh quoting. Commands sent to hosts are built with the `sh` tag so that every interpolated
 * value is one shell word, whatever it contains: `sh\`useradd ${name}\``.
 */
import { Secret } from './secret.js';

/** Quote one value as a single POSIX shell word. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A fragment that `sh` inserts verbatim (already-quoted or trusted shell syntax). */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function raw(text: string): Raw {
  return new Raw(text);
}

type ShValue = string | number | Raw | readonly (string | number | Raw)[];

function render(value: ShValue): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map((v) => render(v as ShValue)).join(' ');
  if (value instanceof Secret) throw new Error('a Secret cannot be interpolated into a command line; pass it on stdin');
  return quote(value as string | number);
}

/** Template tag: literal parts stay as written, each interpolation becomes quoted word(s). */
export function sh(strings: TemplateStringsArray, ...values: ShValue[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return out;
}
