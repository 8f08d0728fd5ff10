// A small XML reader for the subset XML-RPC uses: elements, attributes (ignored), text, CDATA,
// comments, processing instructions and the five predefined entities plus character references.
// DOCTYPE is refused, so no entity can ever be declared or expanded (no entity bombs, no XXE).
import { XmlRpcError } from './values.js';

/** An element as ElementTree sees it: `text` is the character data before the first child, null if none. */
export interface XmlElement {
  name: string;
  text: string | null;
  children: XmlElement[];
}

/** Deepest element nesting accepted; XML-RPC documents of real use stay far below it. */
export const DEFAULT_MAX_DEPTH = 128;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:][-A-Za-z0-9_.:\u00B7-\uFFFF]*/y;
// characters XML 1.0 forbids anywhere in a document (expat rejects them as "invalid token")
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function syntax(message: string, at: number): XmlRpcError {
  return new XmlRpcError('SUP_ERR_XML_SYNTAX', `${message} at offset ${at}`);
}

/** Parse a document into its root element; throws XmlRpcError (SUP_ERR_XML_SYNTAX / SUP_ERR_XML_TOO_DEEP). */
export function parseXml(source: string, maxDepth = DEFAULT_MAX_DEPTH): XmlElement {
  const forbidden = FORBIDDEN_CHAR.exec(source);
  if (forbidden) throw syntax(`character U+${forbidden[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in XML`, forbidden.index);
  let pos = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: { element: XmlElement; textDone: boolean }[] = [];
  let root: XmlElement | null = null;

  const appendText = (text: string, at: number): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (text.trim() !== '') throw syntax('text outside the root element', at);
      return;
    }
    if (top.textDone || text === '') return;
    top.element.text = (top.element.text ?? '') + text;
  };

  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt === -1 ? source.length : lt;
    if (textEnd > pos) {
      appendText(decodeText(source.slice(pos, textEnd), pos), pos);
      pos = textEnd;
      continue;
    }
    const next = source.charCodeAt(pos + 1);
    // '!' (comment, CDATA, declaration), '?' (processing instruction) and '/' (end tag) are rare
    // next to start tags: test for them only when the character after '<' says so
    if (next === 0x21 /* ! */ && source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos + 4);
      if (end === -1) throw syntax('unterminated comment', pos);
      pos = end + 3;
    } else if (next === 0x21 && source.startsWith('<![CDATA[', pos)) {
      if (stack.length === 0) throw syntax('CDATA outside the root element', pos);
      const end = source.indexOf(']]>', pos + 9);
      if (end === -1) throw syntax('unterminated CDATA section', pos);
      appendText(normalizeNewlines(source.slice(pos + 9, end)), pos);
      pos = end + 3;
    } else if (next === 0x21) {
      throw syntax('DOCTYPE and declarations are not accepted', pos);
    } else if (next === 0x3f /* ? */) {
      const end = source.indexOf('?>', pos + 2);
      if (end === -1) throw syntax('unterminated processing instruction', pos);
      pos = end + 2;
    } else if (next === 0x2f /* / */) {
      // the usual end tag, `</name>` of the open element, without a regex or a slice
      const open = stack[stack.length - 1];
      const after = open === undefined ? -1 : pos + 2 + open.element.name.length;
      if (open !== undefined && source.charCodeAt(after) === 0x3e /* > */ && source.startsWith(open.element.name, pos + 2)) {
        stack.pop();
        pos = after + 1;
        continue;
      }
      NAME.lastIndex = pos + 2;
      const name = NAME.exec(source)?.[0];
      const close = source.indexOf('>', pos);
      const top = stack.pop();
      if (name === undefined || close === -1 || source.slice(pos + 2 + name.length, close).trim() !== '') throw syntax('malformed end tag', pos);
      if (top === undefined || top.element.name !== name) throw syntax(`mismatched end tag </${name}>`, pos);
      pos = close + 1;
    } else {
      const name = startTagName(source, pos + 1);
      if (name === undefined) throw syntax('malformed start tag', pos);
      const tagEnd = findTagEnd(source, pos + 1 + name.length);
      const selfClosing = source[tagEnd - 1] === '/';
      const element: XmlElement = { name, text: null, children: [] };
      const parent = stack[stack.length - 1];
      if (parent !== undefined) {
        parent.element.children.push(element);
        parent.textDone = true;
      } else if (root !== null) {
        throw syntax('a second root element', pos);
      } else {
        root = element;
      }
      if (!selfClosing) {
        if (stack.length >= maxDepth) throw new XmlRpcError('SUP_ERR_XML_TOO_DEEP', `elements nested deeper than ${maxDepth}`);
        stack.push({ element, textDone: false });
      }
      pos = tagEnd + 1;
    }
  }
  if (stack.length > 0) throw syntax(`unclosed element <${stack[stack.length - 1]!.element.name}>`, source.length);
  if (root === null) throw syntax('no root element', source.length);
  return root;
}

// A start tag's name: ASCII names (all of XML-RPC's) by a scan of char codes, others by NAME.
function startTagName(source: string, from: number): string | undefined {
  let end = from;
  for (;;) {
    const c = source.charCodeAt(end);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
    const other = (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
    if (letter || (other && end > from)) {
      end++;
      continue;
    }
    // a name ends at '>', '/' or whitespace; anything else (non-ASCII, a bad first character) goes the long way
    if (end > from && (c === 0x3e || c === 0x2f || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) return source.slice(from, end);
    NAME.lastIndex = from;
    return NAME.exec(source)?.[0];
  }
}

// the index of the tag's closing '>', skipping quoted attribute values that may contain '>'
function findTagEnd(source: string, from: number): number {
  let pos = from;
  while (pos < source.length) {
    const ch = source[pos];
    if (ch === '>') return pos;
    if (ch === '"' || ch === "'") {
      const close = source.indexOf(ch, pos + 1);
      if (close === -1) break;
      pos = close + 1;
    } else if (ch === '<') {
      break;
    } else {
      pos += 1;
    }
  }
  throw syntax('unterminated start tag', from);
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

function decodeText(raw: string, at: number): string {
  // the usual case, nothing to decode (whitespace between tags, plain values)
  if (!raw.includes('&') && !raw.includes('\r')) return raw;
  return normalizeNewlines(raw).replace(/&([^;&<]*);?/g, (match, ref: string) => {
    if (!match.endsWith(';')) throw syntax(`unterminated reference '${match}'`, at);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : /^#\d+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
      const validHex = ref[1] !== 'x' || /^#x[0-9A-Fa-f]+$/.test(ref);
      if (!validHex || !Number.isFinite(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || FORBIDDEN_CHAR.test(String.fromCodePoint(code || 0))) {
        throw syntax(`bad character reference '&${ref};'`, at);
      }
      return String.fromCodePoint(code);
    }
    const named = PREDEFINED[ref];
    if (named === undefined) throw syntax(`undefined entity '&${ref};'`, at);
    return named;
  });
}
