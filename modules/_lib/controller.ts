/**
 * Modules that act on the controller (Ansible's action plugins: debug, assert, fail, set_fact,
 * pause) observe nothing on the host: their gather is this, so they cost no round trip.
 */
export async function nothingToObserve(): Promise<undefined> {
  return undefined;
}

export type VarLookup = { found: true; value: unknown } | { found: false; reason: string };

/**
 * The value at a variable path like `app.ports[0]` or `app['name']` in a host's vars (what
 * debug's `var` reads), or why there is none, in Jinja's words.
 */
export function lookupVar(vars: Readonly<Record<string, unknown>>, path: string): VarLookup {
  // A name, then any of `.name`, `[0]`, `['key']`, read left to right with a sticky regexp.
  const step = /(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)|\[\s*(\d+)\s*\]|\[\s*(['"])(.*?)\3\s*\]/y;
  let value: unknown = vars;
  let at = 0;
  while (at < path.length) {
    step.lastIndex = at;
    const m = step.exec(path);
    if (!m || (at === 0 && m[1] === undefined)) return { found: false, reason: `template error while templating '${path}'` };
    const key = m[1] ?? m[4] ?? Number(m[2]);
    if (value === null || typeof value !== 'object' || !(key in (value as object))) {
      if (at === 0) return { found: false, reason: `'${String(key)}' is undefined` };
      if (Array.isArray(value)) return { found: false, reason: `list object has no element ${String(key)}` };
      return { found: false, reason: `'${value !== null && typeof value === 'object' ? 'dict object' : typeof value}' has no attribute '${String(key)}'` };
    }
    at = step.lastIndex;
    value = (value as Record<string | number, unknown>)[key];
  }
  return { found: true, value };
}
