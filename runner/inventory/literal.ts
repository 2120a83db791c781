/**
 * Python's ast.literal_eval for INI inventory values (`n=0x10` is 16, `l=[1,2]` a list, `yes`
 * stays a string). Host lines are split by runner/shlex.ts (shlex.split with comments).
 */
import { markTuple, normalizeValue, PyFloat } from './values.js';

/** Thrown (as a plain object: no stack to capture, it is the common case) for non-literals. */
const NOT_LITERAL = { notLiteral: true };


const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** A recursive-descent reader for the subset of Python expressions literal_eval accepts. */
class LiteralReader {
  private pos = 0;
  constructor(private readonly src: string) {}

  read(): unknown {
    const value = this.expressionList(true);
    this.skip();
    if (this.pos < this.src.length) throw NOT_LITERAL;
    return value;
  }

  private skip(): void {
    for (;;) {
      const m = /^(?:[ \t\f\r\n]+|\\\n|#[^\n]*)/.exec(this.src.slice(this.pos));
      if (!m || m[0].length === 0) return;
      this.pos += m[0].length;
    }
  }

  private peek(): string {
    this.skip();
    return this.src[this.pos] ?? '';
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw NOT_LITERAL;
    this.pos++;
  }

  /** `a, b` is a tuple (a list in JSON); a lone value stays itself. */
  private expressionList(topLevel: boolean): unknown {
    const first = this.value();
    if (this.peek() !== ',') return first;
    const items = [first];
    while (this.peek() === ',') {
      this.pos++;
      const c = this.peek();
      if (c === '' || (!topLevel && c === ')')) break;
      items.push(this.value());
    }
    return markTuple(items);
  }

  private sequence(close: string): unknown[] {
    const items: unknown[] = [];
    while (this.peek() !== close) {
      items.push(this.value());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) throw NOT_LITERAL;
    }
    this.pos++;
    return items;
  }

  private value(): unknown {
    const c = this.peek();
    if (c === '[') {
      this.pos++;
      return this.sequence(']');
    }
    if (c === '(') {
      this.pos++;
      if (this.peek() === ')') {
        this.pos++;
        return markTuple([]);
      }
      const inner = this.value();
      if (this.peek() === ')') {
        this.pos++;
        return inner;
      }
      this.expect(',');
      const rest = this.sequence(')');
      return markTuple([inner, ...rest]);
    }
    if (c === '{') {
      this.pos++;
      return this.dictOrSet();
    }
    if (c === '-' || c === '+') {
      this.pos++;
      const operand = this.value();
      const n = operand instanceof PyFloat ? operand.value : operand;
      if (typeof n !== 'number' || typeof operand === 'boolean') throw NOT_LITERAL;
      const result = c === '-' ? -n : n;
      return operand instanceof PyFloat ? new PyFloat(result) : result;
    }
    const rest = this.src.slice(this.pos);
    const str = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(rest);
    if (str) return this.strings();
    const num = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)/.exec(rest);
    if (num && num[0] !== '' && num[0] !== '.' && /\d/.test(num[0])) {
      this.pos += num[0].length;
      if (/^[\w.]/.test(this.src.slice(this.pos))) throw NOT_LITERAL;
      return parseNumber(num[0]);
    }
    const word = /^[A-Za-z_]\w*/.exec(rest);
    if (word) {
      this.pos += word[0].length;
      if (word[0] === 'True') return true;
      if (word[0] === 'False') return false;
      if (word[0] === 'None') return null;
      if (word[0] === 'set' && this.peek() === '(') {
        this.pos++;
        this.expect(')');
        return [];
      }
    }
    throw NOT_LITERAL;
  }

  private dictOrSet(): unknown {
    if (this.peek() === '}') {
      this.pos++;
      return {};
    }
    const firstKey = this.value();
    if (this.peek() !== ':') {
      // A set: JSON can only show it as a list.
      const items = [firstKey];
      while (this.peek() === ',') {
        this.pos++;
        if (this.peek() === '}') break;
        items.push(this.value());
      }
      this.expect('}');
      return items;
    }
    const dict: Record<string, unknown> = {};
    let key: unknown = firstKey;
    for (;;) {
      this.expect(':');
      if (typeof key === 'object' && key !== null && !(key instanceof PyFloat)) throw NOT_LITERAL;
      dict[String(key instanceof PyFloat ? key.value : key)] = this.value();
      if (this.peek() === ',') {
        this.pos++;
        if (this.peek() === '}') break;
        key = this.value();
      } else break;
    }
    this.expect('}');
    return dict;
  }

  /** Adjacent string literals concatenate, as in Python. */
  private strings(): string {
    let out = '';
    for (;;) {
      this.skip();
      const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(this.src.slice(this.pos));
      if (!m) return out;
      const prefix = m[1]!.toLowerCase();
      if (/[^rbu]|u.|.u/.test(prefix) && prefix !== '') throw NOT_LITERAL;
      const quote = m[2]!;
      this.pos += m[0].length;
      const raw = prefix.includes('r');
      for (;;) {
        if (this.pos >= this.src.length) throw NOT_LITERAL;
        if (this.src.startsWith(quote, this.pos)) {
          this.pos += quote.length;
          break;
        }
        const c = this.src[this.pos++]!;
        if (c === '\n' && quote.length === 1) throw NOT_LITERAL;
        if (c !== '\\') {
          out += c;
          continue;
        }
        const e = this.src[this.pos++] ?? '';
        if (raw) {
          out += '\\' + e;
          continue;
        }
        if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
        else if (/[0-7]/.test(e)) {
          const oct = /^[0-7]{1,3}/.exec(this.src.slice(this.pos - 1))![0];
          this.pos += oct.length - 1;
          out += String.fromCodePoint(parseInt(oct, 8));
        } else if (e === 'x' || (!prefix.includes('b') && (e === 'u' || e === 'U'))) {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = this.src.slice(this.pos, this.pos + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw NOT_LITERAL;
          this.pos += len;
          out += String.fromCodePoint(parseInt(hex, 16));
        } else out += '\\' + e;
      }
    }
  }
}

function parseNumber(text: string): number | PyFloat {
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[oO]/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
  if (/[.eE]/.test(t)) return new PyFloat(Number(t));
  // Python 3 rejects leading zeros in decimal integers (`010`), except for zero itself.
  if (/^0\d/.test(t) && !/^0+$/.test(t)) throw NOT_LITERAL;
  return Number(t);
}

/**
 * The INI plugin's _parse_value: ast.literal_eval when the text is a Python literal, else the text.
 * A float comes back boxed (see values.ts); floats inside lists and dicts are marked.
 */
export function parseIniValue(text: string): unknown {
  try {
    const value = new LiteralReader(text.replace(/^[ \t]+/, '')).read();
    return value instanceof PyFloat ? value : normalizeValue(value);
  } catch (e) {
    if (e === NOT_LITERAL) return text;
    throw e;
  }
}
