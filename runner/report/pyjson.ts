/**
 * JSON as Ansible's callbacks print it: Python's json.dumps(sort_keys=True, ensure_ascii=False),
 * i.e. keys sorted, ", " and ": " separators on one line, or "," and 4-space indent when indented.
 * JSON.stringify can't produce those separators, so only the layout is done here; strings and
 * numbers are still encoded by JSON.stringify.
 */
export function pyJsonDumps(value: unknown, indent?: number): string {
  return dump(value, indent, 0);
}

function dump(value: unknown, indent: number | undefined, depth: number): string {
  const v = toJSONValue(value);
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const entries: [string | undefined, unknown][] = Array.isArray(v)
    ? v.map((item) => [undefined, item])
    : Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const parts = entries.map(([k, item]) => {
    const rendered = dump(item, indent, depth + 1);
    return k === undefined ? rendered : `${JSON.stringify(k)}: ${rendered}`;
  });
  if (indent === undefined) return open + parts.join(', ') + close;
  const pad = ' '.repeat(indent * (depth + 1));
  return `${open}\n${pad}${parts.join(`,\n${pad}`)}\n${' '.repeat(indent * depth)}${close}`;
}

/** Apply toJSON (Secret → mask, Date → ISO) the way JSON.stringify would. */
function toJSONValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(): unknown }).toJSON();
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'function' || typeof value === 'symbol') return null;
  return value;
}
