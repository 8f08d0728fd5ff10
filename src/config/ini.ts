// A reader with the exact behaviour of Python 3.11's RawConfigParser as Supervisor 4.2.5 configures
// it (inline comments ';'/'#' only after whitespace, strict=False, '='/':' delimiters). The npm
// `ini` package differs on real configs; see docs/decisions/0001-config-reader.md.
import { isPySpace, pyRepr, pyRstrip, pyStrip } from './python.js';

/** A syntax error, with ConfigParser's message ("Source contains parsing errors: ..."). */
export class IniParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IniParseError';
  }
}

const DEFAULT_SECTION = 'DEFAULT';
const COMMENT_PREFIXES = ['#', ';'];
const INLINE_COMMENT_PREFIXES = [';', '#'];

/** Python's universal-newline line iteration: \r\n, \r and \n all end a line, read as "\n". */
export function splitPythonLines(text: string): string[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  const lines = normalized.split(/(?<=\n)/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ConfigParser's round-based inline comment search: each round looks at the next occurrence of
// every prefix and stops at the first round with a match, which is not always the leftmost one.
function inlineCommentStart(line: string): number | null {
  let commentStart = Infinity;
  let searching = new Map<string, number>(INLINE_COMMENT_PREFIXES.map((p) => [p, -1]));
  while (commentStart === Infinity && searching.size > 0) {
    const next = new Map<string, number>();
    for (const [prefix, previous] of searching) {
      const index = line.indexOf(prefix, previous + 1);
      if (index === -1) continue;
      next.set(prefix, index);
      if (index === 0 || (index > 0 && isPySpace(line[index - 1]!))) commentStart = Math.min(commentStart, index);
    }
    searching = next;
  }
  return commentStart === Infinity ? null : commentStart;
}

function firstNonSpace(line: string): number {
  for (let i = 0; i < line.length; i++) if (!isPySpace(line[i]!)) return i;
  return 0;
}

/** Splits "key = value" at the first '=' or ':' as ConfigParser's OPTCRE does; null if none. */
function matchOption(value: string): { option: string; value: string } | null {
  const m = /[=:]/.exec(value);
  if (!m) return null;
  return { option: pyRstrip(value.slice(0, m.index)), value: pyStrip(value.slice(m.index + 1)) };
}

type PendingSection = Map<string, string | string[]>;

/** The parsed content of one or more files merged as ConfigParser merges them. */
export class IniDocument {
  private readonly defaultsMap: PendingSection = new Map();
  private readonly sectionMap = new Map<string, PendingSection>();
  /** Section name -> file it first appeared in, for files read with readIncluded (4.2.5's section_to_file). */
  readonly sectionToFile = new Map<string, string>();

  /** Parses `text` (named `source` in error messages) into this document. */
  read(text: string, source: string): void {
    let cursect: PendingSection | null = null;
    let optname: string | null = null;
    let indentLevel = 0;
    let error: IniParseError | null = null;
    const fail = (lineno: number, line: string) => {
      error ??= new IniParseError(`Source contains parsing errors: ${pyRepr(source)}`);
      error.message += `\n\t[line ${String(lineno).padStart(2)}]: ${pyRepr(line)}`;
    };
    const lines = splitPythonLines(text);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const lineno = i + 1;
      let commentStart = inlineCommentStart(line);
      const stripped = pyStrip(line);
      if (COMMENT_PREFIXES.some((p) => stripped.startsWith(p))) commentStart = 0;
      const value = pyStrip(commentStart === null ? line : line.slice(0, commentStart));
      if (!value) {
        // blank lines inside a value are kept (empty_lines_in_values), comment lines are not
        if (commentStart === null && cursect !== null && optname) {
          const current = cursect.get(optname);
          if (Array.isArray(current)) current.push('');
        }
        continue;
      }
      const curIndentLevel = firstNonSpace(line);
      // an option with an empty name ("=x", itself an error) takes no continuation lines, as in
      // ConfigParser, where '' is falsy: the indented line after it is parsed (and reported) alone
      if (cursect !== null && optname && curIndentLevel > indentLevel) {
        const current = cursect.get(optname);
        if (Array.isArray(current)) current.push(value);
        continue;
      }
      indentLevel = curIndentLevel;
      const close = value.lastIndexOf(']');
      if (value.startsWith('[') && close >= 2) {
        const sectname = value.slice(1, close);
        const existing = this.sectionMap.get(sectname);
        if (existing) cursect = existing;
        else if (sectname === DEFAULT_SECTION) cursect = this.defaultsMap;
        else {
          cursect = new Map();
          this.sectionMap.set(sectname, cursect);
        }
        optname = null;
        continue;
      }
      if (cursect === null) {
        throw new IniParseError(
          `File contains no section headers.\nfile: ${pyRepr(source)}, line: ${lineno}\n${pyRepr(line)}`,
        );
      }
      const option = matchOption(value);
      if (!option) {
        fail(lineno, line);
        continue;
      }
      if (!option.option) fail(lineno, line);
      optname = option.option.toLowerCase();
      cursect.set(optname, [option.value]);
    }
    this.joinMultilineValues();
    if (error) throw error;
  }

  /** Reads an [include]d file, recording which sections it introduced (4.2.5's UnhosedConfigParser.read). */
  readIncluded(text: string, filename: string): void {
    const before = new Set(this.sectionMap.keys());
    try {
      this.read(text, filename);
    } finally {
      for (const name of this.sectionMap.keys()) if (!before.has(name)) this.sectionToFile.set(name, filename);
    }
  }

  private joinMultilineValues(): void {
    for (const section of [this.defaultsMap, ...this.sectionMap.values()]) {
      for (const [key, value] of section) {
        if (Array.isArray(value)) section.set(key, pyRstrip(value.join('\n')));
      }
    }
  }

  /** Section names in file order, without DEFAULT. */
  sections(): string[] {
    return [...this.sectionMap.keys()];
  }

  hasSection(name: string): boolean {
    return this.sectionMap.has(name);
  }

  /** A key's value from the section, else from [DEFAULT]; undefined when neither has it. */
  get(section: string, key: string): string | undefined {
    const own = this.sectionMap.get(section)?.get(key);
    if (own !== undefined) return own as string;
    if (!this.sectionMap.has(section)) return undefined;
    return this.defaultsMap.get(key) as string | undefined;
  }

  /** Keys of a section, its own first, then inherited [DEFAULT] keys (ConfigParser.options). */
  options(section: string): string[] {
    const keys = [...(this.sectionMap.get(section)?.keys() ?? [])];
    for (const key of this.defaultsMap.keys()) if (!keys.includes(key)) keys.push(key);
    return keys;
  }

  /** A section's own keys and values merged over [DEFAULT] (ConfigParser.items). */
  items(section: string): Array<[string, string]> {
    const merged = new Map<string, string>();
    for (const [k, v] of this.defaultsMap) merged.set(k, v as string);
    for (const [k, v] of this.sectionMap.get(section) ?? []) merged.set(k, v as string);
    return [...merged];
  }

  set(section: string, key: string, value: string): void {
    this.sectionMap.get(section)?.set(key, value);
  }

  /** 4.2.5's expand_here: textual "%(here)s" replacement in every value of every section. */
  expandHere(here: string): void {
    for (const section of this.sections()) {
      for (const [key, value] of this.items(section)) {
        if (value.includes('%(here)s')) this.set(section, key, value.split('%(here)s').join(here));
      }
    }
  }
}
