/**
 * firewalld's rich rule language, compared by meaning: firewalld stores and reports a rule in its
 * own normal form (attribute order, quoting, `1/minute` as `1/m`, `NOT` for `not`), so a rule
 * written any other way never matches its string (the cause of Ansible's "changed for ever",
 * linux-system-roles/firewall#357). `normalizeRichRule` parses a rule as firewalld's rich.py does
 * and renders it the way firewalld's `Rich_Rule.__str__` does, so two rules with one meaning
 * become one string. `richRuleFromXml` turns a rule element of a permanent zone file into the same
 * form.
 */
import type { XmlElement } from '../_lib/xml.js';

export class RichRuleError extends Error {}

interface Token {
  element?: string;
  name?: string;
  value?: string;
}

/** Splits like Python's shlex (firewalld's splitArgs): double and single quotes group words. */
function splitArgs(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new RichRuleError(`unclosed quote in rich rule: ${text}`);
  if (inWord) words.push(word);
  return words;
}

function lex(text: string): Token[] {
  return splitArgs(text).map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return { element: w };
    const name = w.slice(0, eq);
    const value = w.slice(eq + 1);
    if (!name || !value) throw new RichRuleError(`bad attribute '${w}' in rich rule`);
    return { name, value };
  });
}

const ELEMENTS = new Set(['service', 'port', 'protocol', 'icmp-block', 'icmp-type', 'masquerade', 'forward-port', 'source-port', 'tcp-mss-clamp']);
const ACTIONS = new Set(['accept', 'drop', 'reject', 'mark']);
const LOGS = new Set(['log', 'nflog']);
const LIMIT_UNITS: Record<string, string> = { second: 's', minute: 'm', hour: 'h', day: 'd' };

/** Attributes each part renders, in firewalld's order (a part without a value renders as its name). */
const PART_ATTRIBUTES: Record<string, readonly string[]> = {
  service: ['name'],
  port: ['port', 'protocol'],
  'source-port': ['port', 'protocol'],
  protocol: ['value'],
  'icmp-block': ['name'],
  'icmp-type': ['name'],
  masquerade: [],
  'tcp-mss-clamp': ['value'],
  'forward-port': ['port', 'protocol', 'to-port', 'to-addr'],
  log: ['prefix', 'level'],
  nflog: ['group', 'prefix', 'queue-size'],
  audit: [],
  accept: [],
  drop: [],
  reject: ['type'],
  mark: ['set'],
};

interface Part {
  kind: string;
  attrs: Map<string, string>;
  limit?: string;
}

interface Rule {
  family?: string;
  priority: number;
  source?: { invert: boolean; attrs: Map<string, string> };
  destination?: { invert: boolean; attrs: Map<string, string> };
  element?: Part;
  log?: Part;
  audit?: Part;
  action?: Part;
}

function normalLimit(value: string): string {
  const [rate, unit, ...rest] = value.split('/');
  if (rest.length > 0 || !rate || !unit || !/^\d+$/.test(rate) || Number(rate) < 1) throw new RichRuleError(`invalid limit value '${value}'`);
  const short = LIMIT_UNITS[unit] ?? unit;
  if (!['s', 'm', 'h', 'd'].includes(short)) throw new RichRuleError(`invalid limit value '${value}'`);
  return `${rate}/${short}`;
}

function parse(text: string): Rule {
  const tokens = lex(text);
  if (tokens[0]?.element !== 'rule') throw new RichRuleError(`a rich rule starts with 'rule': ${text}`);
  const rule: Rule = { priority: 0 };
  let i = 1;
  while (i < tokens.length) {
    const kind = tokens[i]!.element;
    if (kind === undefined) {
      // The rule's own attributes, wherever they stand between elements (as firewalld reads them).
      const { name, value } = tokens[i]!;
      if (name === 'family') {
        if (value !== 'ipv4' && value !== 'ipv6') throw new RichRuleError(`'family' cannot be '${value}': use ipv4 or ipv6`);
        rule.family = value;
      } else if (name === 'priority') {
        if (!/^-?\d+$/.test(value!)) throw new RichRuleError(`invalid 'priority' value '${value}'`);
        rule.priority = Number(value);
      } else throw new RichRuleError(`attribute '${name}' outside of any element`);
      i++;
      continue;
    }
    i++;
    if (kind === 'source' || kind === 'destination') {
      if (rule[kind]) throw new RichRuleError(`more than one '${kind}' element`);
      let invert = false;
      const attrs = new Map<string, string>();
      // An attribute that is not the source's (family, priority) ends it, as in firewalld.
      while (i < tokens.length && (['address', 'mac', 'ipset', 'invert'].includes(tokens[i]!.name ?? '') || /^not$/i.test(tokens[i]!.element ?? ''))) {
        const t = tokens[i]!;
        if (t.element) invert = true;
        else if (t.name === 'invert') invert = /^(true|yes|1)$/i.test(t.value!);
        else attrs.set(t.name!, t.name === 'mac' ? t.value!.toUpperCase() : t.value!);
        i++;
      }
      if (attrs.size !== 1) throw new RichRuleError(`${kind} needs exactly one of address, mac, ipset`);
      rule[kind] = { invert, attrs };
      continue;
    }
    const slot = ELEMENTS.has(kind) ? 'element' : LOGS.has(kind) ? 'log' : kind === 'audit' ? 'audit' : ACTIONS.has(kind) ? 'action' : undefined;
    if (!slot) throw new RichRuleError(`unknown element ${kind}`);
    if (rule[slot]) throw new RichRuleError(`more than one ${slot} element: '${rule[slot]!.kind}' and '${kind}'`);
    const part: Part = { kind, attrs: new Map() };
    const allowed = PART_ATTRIBUTES[kind]!;
    while (i < tokens.length && (allowed.includes(tokens[i]!.name ?? '') || tokens[i]!.element === 'limit')) {
      const t = tokens[i]!;
      if (t.element === 'limit') {
        const v = tokens[i + 1];
        if (v?.name !== 'value') throw new RichRuleError(`'limit' needs value=rate/unit`);
        part.limit = normalLimit(v.value!);
        i += 2;
        continue;
      }
      part.attrs.set(t.name!, t.value!);
      i++;
    }
    rule[slot] = part;
  }
  if (!rule.element && !rule.action && !rule.log && !rule.audit) throw new RichRuleError(`no element, action or logging in rich rule: ${text}`);
  return rule;
}

function renderPart(p: Part): string {
  const attrs = PART_ATTRIBUTES[p.kind]!.filter((a) => p.attrs.get(a)).map((a) => (p.kind === 'mark' ? ` ${a}=${p.attrs.get(a)}` : ` ${a}="${p.attrs.get(a)}"`));
  return `${p.kind}${attrs.join('')}${p.limit ? ` limit value="${p.limit}"` : ''}`;
}

function renderAddress(kind: string, a: { invert: boolean; attrs: Map<string, string> }): string {
  const [name, value] = [...a.attrs][0]!;
  return `${kind}${a.invert ? ' NOT' : ''} ${name}="${value}"`;
}

function render(rule: Rule): string {
  const out = ['rule'];
  if (rule.priority) out.push(`priority="${rule.priority}"`);
  if (rule.family) out.push(`family="${rule.family}"`);
  if (rule.source) out.push(renderAddress('source', rule.source));
  if (rule.destination) out.push(renderAddress('destination', rule.destination));
  for (const p of [rule.element, rule.log, rule.audit, rule.action]) if (p) out.push(renderPart(p));
  return out.join(' ');
}

/** The rule as firewalld writes it; throws RichRuleError for a rule firewalld would refuse. */
export function normalizeRichRule(text: string): string {
  return render(parse(text.trim()));
}

/** What the lockout guard needs to know of a rule. */
export interface RichRuleMeaning {
  family?: string;
  source?: { invert: boolean; address?: string };
  element?: { kind: string; attrs: Record<string, string> };
  action?: string;
}

export function richRuleMeaning(text: string): RichRuleMeaning {
  const r = parse(text);
  return {
    ...(r.family ? { family: r.family } : {}),
    ...(r.source ? { source: { invert: r.source.invert, ...(r.source.attrs.get('address') ? { address: r.source.attrs.get('address')! } : {}) } } : {}),
    ...(r.element ? { element: { kind: r.element.kind, attrs: Object.fromEntries(r.element.attrs) } } : {}),
    ...(r.action ? { action: r.action.kind } : {}),
  };
}

/** A `<rule>` element of a zone file, as firewalld's normal rule string. */
export function richRuleFromXml(el: XmlElement): string {
  const words = ['rule'];
  const attr = (e: XmlElement, names: readonly string[]): string =>
    names
      .filter((n) => e.attrs[n] !== undefined)
      .map((n) => ` ${n}="${e.attrs[n]}"`)
      .join('');
  words.push(attr(el, ['priority', 'family']).trim());
  for (const child of el.children) {
    const limit = child.children.find((c) => c.name === 'limit');
    const limitText = limit ? ` limit value="${limit.attrs.value ?? ''}"` : '';
    if (child.name === 'source' || child.name === 'destination') {
      const invert = /^(true|yes|1)$/i.test(child.attrs.invert ?? '') ? ' NOT' : '';
      words.push(`${child.name}${invert}${attr(child, ['address', 'mac', 'ipset'])}`);
    } else if (PART_ATTRIBUTES[child.name]) {
      words.push(`${child.name}${attr(child, PART_ATTRIBUTES[child.name]!)}${limitText}`);
    }
  }
  return normalizeRichRule(words.filter(Boolean).join(' '));
}
