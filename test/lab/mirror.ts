/**
 * Which Debian mirror the machine itself uses, read from its apt sources (one-line `.list` and
 * deb822 `.sources` formats): the lab builds its base from it and lets apt-cacher-ng fetch from it,
 * because that is the mirror known to be reachable from here.
 */

export const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/** The first `deb` URI that serves `suite` with component `main`, from apt source files' text. */
export function findDebianMirror(files: readonly string[], suite = 'bookworm'): string | undefined {
  for (const text of files) {
    for (const entry of [...oneLineEntries(text), ...deb822Entries(text)]) {
      if (entry.types.includes('deb') && entry.suites.includes(suite) && entry.components.includes('main')) {
        const uri = entry.uris.find((u) => /^https?:\/\//.test(u));
        if (uri) return uri.replace(/\/+$/, '');
      }
    }
  }
  return undefined;
}

interface SourceEntry {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
}

function oneLineEntries(text: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').replace(/\[[^\]]*\]/, '').trim();
    const [type, uri, suite, ...components] = line.split(/\s+/);
    if ((type === 'deb' || type === 'deb-src') && uri && suite) {
      entries.push({ types: [type], uris: [uri], suites: [suite], components });
    }
  }
  return entries;
}

function deb822Entries(text: string): SourceEntry[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => {
      const fields = new Map<string, string[]>();
      for (const line of stanza.split('\n')) {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line.trim());
        if (m && !line.trim().startsWith('#')) fields.set(m[1]!.toLowerCase(), m[2]!.split(/\s+/).filter(Boolean));
      }
      return {
        types: fields.get('types') ?? [],
        uris: fields.get('uris') ?? [],
        suites: fields.get('suites') ?? [],
        components: fields.get('components') ?? [],
      };
    })
    .filter((e) => e.types.length > 0);
}

/** `http://deb.debian.org/debian` → `deb.debian.org`. */
export function mirrorHost(mirror: string): string {
  return new URL(mirror).host;
}
