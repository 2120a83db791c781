/**
 * Ansible's INI inventory (plugins/inventory/ini.py): sections `[g]`, `[g:vars]`, `[g:children]`,
 * host lines with ranges, ports and inline variables parsed as Python literals.
 */
import { InventoryDataError, type InventoryData } from './data.js';
import { shlexSplit, ShlexError } from '../shlex.js';
import { parseIniValue } from './literal.js';
import { expandHostPattern, HostRangeError } from './ranges.js';
import { ParseFailure } from './source-error.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  name: string;
  parents: string[];
}

export function parseIni(inv: InventoryData, path: string, text: string): void {
  let lineno = 0;
  const fail = (message: string): never => {
    throw new ParseFailure(`${path}:${lineno}: ${message}`, lineno);
  };
  /** Errors from the model (a loop in children...) also name the line that caused them. */
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InventoryDataError || e instanceof HostRangeError) throw new ParseFailure(e.message, lineno);
      throw e;
    }
  };
  const pending = new Map<string, Pending>();
  let groupname = 'ungrouped';
  let state = 'hosts';

  const addPendingChildren = (group: string) => {
    const decl = pending.get(group)!;
    for (const parent of decl.parents) {
      guard(() => inv.addChild(parent, group));
      const p = pending.get(parent);
      if (p && p.state === 'children') addPendingChildren(parent);
    }
    pending.delete(group);
  };

  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    lineno++;
    const line = rawLine.trim();
    if (!line || line[0] === ';' || line[0] === '#') continue;

    const m = SECTION.exec(line);
    if (m) {
      groupname = m[1]!;
      state = m[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) {
        fail(`Section [${m[1]}:${m[2]}] has unknown type: ${state}`);
      }
      if (!inv.groups.has(groupname)) {
        if (state === 'vars' && !pending.has(groupname)) {
          pending.set(groupname, { line: lineno, state: 'vars', name: groupname, parents: [] });
        }
        guard(() => inv.addGroup(groupname));
      }
      const decl = pending.get(groupname);
      if (decl && state !== 'vars') {
        if (decl.state === 'children') addPendingChildren(groupname);
        else pending.delete(groupname);
      }
      continue;
    } else if (line.startsWith('[') && line.endsWith(']')) {
      fail(
        `Invalid section entry: '${line}'. Please make sure that there are no spaces in the section entry, ` +
          'and that there are no other invalid characters',
      );
    }

    if (state === 'hosts') {
      let tokens: string[];
      try {
        tokens = shlexSplit(line, { comments: true });
      } catch (e) {
        if (!(e instanceof ShlexError)) throw e;
        return fail(`Error parsing host definition '${line}': ${e.message}`);
      }
      const [pattern = '', ...rest] = tokens;
      const { hostnames, port } = guard(() => expandHostPattern(pattern));
      if (pattern.trim().endsWith(':') && port === undefined) {
        throw new ParseFailure(
          `Invalid host pattern '${pattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`,
          lineno,
        );
      }
      if (hostnames.some((h) => h.trim() === '---')) {
        throw new ParseFailure(`Invalid host pattern '${pattern}' supplied, '---' is normally a sign this is a YAML file.`, lineno);
      }
      const variables: [string, unknown][] = [];
      for (const t of rest) {
        const eq = t.indexOf('=');
        if (eq < 0) fail(`Expected key=value host variable assignment, got: ${t}`);
        variables.push([t.slice(0, eq), parseIniValue(t.slice(eq + 1))]);
      }
      for (const host of hostnames) {
        guard(() => inv.addHost(host, groupname, port));
        for (const [k, v] of variables) inv.setVariable(host, k, v);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`Expected key=value, got: ${line}`);
      const key = line.slice(0, eq).trim();
      const value = parseIniValue(line.slice(eq + 1).trim());
      guard(() => inv.setVariable(groupname, key, value));
    } else {
      const cm = GROUP_NAME.exec(line);
      if (!cm) fail(`Expected group name, got: ${line}`);
      const child = cm![1]!;
      if (!inv.groups.has(child)) {
        const decl = pending.get(child);
        if (!decl) pending.set(child, { line: lineno, state: 'children', name: child, parents: [groupname] });
        else decl.parents.push(groupname);
      } else {
        guard(() => inv.addChild(groupname, child));
      }
    }
  }

  for (const decl of pending.values()) {
    if (decl.state === 'vars') {
      throw new ParseFailure(`${path}:${decl.line}: Section [${decl.name}:vars] not valid for undefined group: ${decl.name}`, decl.line);
    }
    throw new ParseFailure(
      `${path}:${decl.line}: Section [${decl.parents[decl.parents.length - 1]}:children] includes undefined group: ${decl.name}`,
      decl.line,
    );
  }
}
