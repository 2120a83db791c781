/**
 * YAML as Ansible reads it: PyYAML's YAML 1.1 resolver (yes/no/on/off are booleans, `010` is 8,
 * `1:30` is 90, `1e3` is a string), JSON tried first, floats kept as floats, duplicate keys warned
 * about and the last one kept.
 */
import type { ScalarTag, Tags } from 'yaml';
import { lazyRequire } from '../lazy.js';
import { ParseFailure } from './source-error.js';
import { normalizeValue, PyFloat, PyUnsafe } from './values.js';

/** Loaded when a YAML/JSON file is first read: an INI-only run never pays for the parser. */
const yaml = lazyRequire<typeof import('yaml')>('yaml');

const scalar = (tag: string, test: RegExp, resolve: (s: string) => unknown): ScalarTag =>
  ({ tag: `tag:yaml.org,2002:${tag}`, default: true, test, resolve, identify: () => false }) as ScalarTag;

const sign = (s: string): [number, string] => (s[0] === '-' ? [-1, s.slice(1)] : [1, s[0] === '+' ? s.slice(1) : s]);

function sexagesimal(s: string): number {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

function constructInt(text: string): number {
  const [k, v] = sign(text.replace(/_/g, ''));
  if (v === '0') return 0;
  if (v.startsWith('0b')) return k * parseInt(v.slice(2), 2);
  if (v.startsWith('0x')) return k * parseInt(v.slice(2), 16);
  if (v[0] === '0') return k * parseInt(v, 8);
  if (v.includes(':')) return k * sexagesimal(v);
  return k * Number(v);
}

function constructFloat(text: string): PyFloat {
  const [k, v] = sign(text.replace(/_/g, '').toLowerCase());
  if (v === '.inf') return new PyFloat(k * Infinity);
  if (v === '.nan') return new PyFloat(NaN);
  if (v.includes(':')) {
    const [whole, frac = ''] = v.split(/\.(?=[^:]*$)/);
    return new PyFloat(k * (sexagesimal(whole!) + Number(`0.${frac || '0'}`)));
  }
  return new PyFloat(k * Number(v));
}

/** datetime.date / datetime.datetime as their isoformat(), which is what Ansible's JSON shows. */
function constructTimestamp(text: string): string {
  const m = /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|[-+]\d\d?(?::\d\d)?))?)?$/.exec(text);
  if (!m) return text;
  const p2 = (s: string | undefined) => (s ?? '0').padStart(2, '0');
  const date = `${m[1]}-${p2(m[2])}-${p2(m[3])}`;
  if (m[4] === undefined) return date;
  let out = `${date}T${p2(m[4])}:${m[5]}:${m[6]}`;
  const frac = (m[7] ?? '').slice(0, 6);
  if (frac && Number(frac) !== 0) out += `.${frac.padEnd(6, '0')}`;
  if (m[8]) {
    if (m[8] === 'Z') out += '+00:00';
    else {
      const [h, mm = '00'] = m[8].slice(1).split(':');
      out += `${m[8][0]}${p2(h)}:${mm}`;
    }
  }
  return out;
}

/** PyYAML's implicit resolvers (yaml/resolver.py), in place of the `yaml` package's 1.1 ones. */
const PYYAML_SCALARS: ScalarTag[] = [
  scalar('null', /^(?:~|null|Null|NULL|)$/, () => null),
  scalar('bool', /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, () => true),
  scalar('bool', /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, () => false),
  scalar(
    'int',
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    constructInt,
  ),
  scalar(
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    constructFloat,
  ),
  scalar(
    'timestamp',
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    constructTimestamp,
  ),
  // Ansible's own tag: the value is a plain string that must not be templated.
  { tag: '!unsafe', resolve: (s: string) => new PyUnsafe(s), identify: () => false } as ScalarTag,
];

const REPLACED = /:(?:null|bool|int|float|timestamp)$/;

function pyyamlTags(tags: Tags): Tags {
  return [...PYYAML_SCALARS, ...tags.filter((t) => typeof t !== 'string' && !REPLACED.test(t.tag))];
}

export interface YamlLoadResult {
  data: unknown;
  warnings: string[];
  /** Line and column of the entry at a key path (YAML only). */
  locate?: (keyPath: string[]) => { line: number; col: number } | undefined;
}

/** JSON numbers written with a fraction or exponent are Python floats (`1.0` stays `1.0`). */
function jsonTags(tags: Tags): Tags {
  return tags.map((t) =>
    typeof t !== 'string' && t.tag === 'tag:yaml.org,2002:float' ? ({ ...t, resolve: (str: string) => new PyFloat(Number(str)) } as ScalarTag) : t,
  );
}

/**
 * json.loads: JSON.parse decides what is valid JSON; the values are then read again through the
 * `yaml` package's JSON schema, which (unlike JSON.parse) can tell `1.0` from `1`.
 */
export function parseJson(text: string): unknown {
  const plain: unknown = JSON.parse(text);
  if (typeof plain !== 'object' || plain === null || !/[.eE]/.test(text)) return plain;
  const doc = yaml().parseDocument(text, { schema: 'json', customTags: jsonTags, uniqueKeys: false });
  return doc.errors.length ? plain : normalizeValue(doc.toJS());
}

/** loader.load(): JSON first, then YAML. Returns normalized data (see values.ts). */
export function loadYamlOrJson(text: string, file: string): YamlLoadResult {
  try {
    return { data: parseJson(text), warnings: [] };
  } catch {
    // Not JSON: read it as YAML, as Ansible does.
  }
  const { LineCounter, parseDocument, visit, isScalar } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    schema: 'yaml-1.1',
    customTags: pyyamlTags,
    merge: true,
    uniqueKeys: false,
    lineCounter,
    prettyErrors: false,
  });
  const error = doc.errors[0];
  if (error) {
    const pos = lineCounter.linePos(error.pos[0]);
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ParseFailure(`${file}:${pos.line}:${pos.col}: Syntax Error while loading YAML: ${reason}`, pos.line, pos.col);
  }
  const warnings: string[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          const pos = lineCounter.linePos(map.range?.[0] ?? 0);
          warnings.push(
            `While constructing a mapping from ${file}, line ${pos.line}, column ${pos.col}, found a duplicate dict key (${key}). Using last defined value only.`,
          );
        }
        seen.add(key);
      }
    },
  });
  const locate = (keyPath: string[]) => {
    for (let n = keyPath.length; n > 0; n--) {
      const node = doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const parent = n > 1 ? (doc.getIn(keyPath.slice(0, n - 1), true) as { items?: { key: { value?: unknown; range?: [number] } }[] }) : (doc.contents as { items?: { key: { value?: unknown; range?: [number] } }[] });
      const key = parent?.items?.find((item) => String(item.key?.value) === keyPath[n - 1])?.key;
      const offset = key?.range?.[0] ?? node?.range?.[0];
      if (offset !== undefined) return lineCounter.linePos(offset);
    }
    return undefined;
  };
  return { data: normalizeValue(doc.toJS({ maxAliasCount: -1 })), warnings, locate };
}
