/**
 * Reads the output of `dbus-send --print-reply`: one value per line, containers opened by
 * `array [`, `dict entry(`, `struct {` and closed by `]`, `)`, `}`; a variant's value follows the
 * word `variant` on its line. A string is everything between the line's first and last quote
 * (dbus-send does not escape quotes, and firewalld's values never span lines). Arrays of dict
 * entries become objects.
 */

export type DbusValue = string | number | boolean | DbusValue[] | { [key: string]: DbusValue };

export class DbusParseError extends Error {}

/** The values of a reply (after its `method return` header line). */
export function parseDbusReply(text: string): DbusValue[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('method return'));
  let i = 0;
  const next = (): string => {
    const line = lines[i++];
    if (line === undefined) throw new DbusParseError('reply ended inside a value');
    return line;
  };
  const value = (line: string): DbusValue => {
    if (line.startsWith('variant')) return value(line.slice('variant'.length).trim());
    if (line === 'array [') {
      const items: DbusValue[] = [];
      const dict: Record<string, DbusValue> = {};
      let isDict = false;
      for (let l = next(); l !== ']'; l = next()) {
        if (l === 'dict entry(') {
          isDict = true;
          const key = value(next());
          dict[String(key)] = value(next());
          if (next() !== ')') throw new DbusParseError('a dict entry holds one key and one value');
        } else items.push(value(l));
      }
      return isDict ? dict : items;
    }
    if (line === 'struct {') {
      const items: DbusValue[] = [];
      for (let l = next(); l !== '}'; l = next()) items.push(value(l));
      return items;
    }
    const space = line.indexOf(' ');
    const type = line.slice(0, space);
    const rest = line.slice(space + 1).trim();
    if (type === 'string' || type === 'object') {
      const first = rest.indexOf('"');
      const last = rest.lastIndexOf('"');
      if (first < 0 || last <= first) throw new DbusParseError(`unquoted string: ${line}`);
      return rest.slice(first + 1, last);
    }
    if (type === 'boolean') return rest === 'true';
    if (/^(u?int(16|32|64)|byte|double)$/.test(type)) return Number(rest);
    throw new DbusParseError(`unknown value: ${line}`);
  };
  const out: DbusValue[] = [];
  while (i < lines.length) out.push(value(next()));
  return out;
}
