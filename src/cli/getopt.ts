// A port of Python's getopt.getopt, which 4.2.5's command lines use: the same parsing (stops at the
// first positional argument, long-option prefixes, `-cFILE`, `--opt=value`) and the same messages.

export class GetoptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GetoptError';
  }
}

export interface ParsedOptions {
  options: [string, string][];
  args: string[];
}

/** `shortopts` like "c:nh", `longopts` like ["configuration=", "nodaemon"]. */
export function getopt(argv: readonly string[], shortopts: string, longopts: readonly string[]): ParsedOptions {
  const options: [string, string][] = [];
  let args = [...argv];
  while (args.length > 0 && args[0]!.startsWith('-') && args[0] !== '-') {
    if (args[0] === '--') {
      args = args.slice(1);
      break;
    }
    const head = args.shift()!;
    if (head.startsWith('--')) doLong(options, head.slice(2), longopts, args);
    else doShorts(options, head.slice(1), shortopts, args);
  }
  return { options, args };
}

function doLong(out: [string, string][], text: string, longopts: readonly string[], rest: string[]): void {
  let opt = text;
  let optarg: string | null = null;
  const eq = text.indexOf('=');
  if (eq >= 0) {
    opt = text.slice(0, eq);
    optarg = text.slice(eq + 1);
  }
  const [hasArg, full] = longHasArgs(opt, longopts);
  if (hasArg) {
    if (optarg === null) {
      if (rest.length === 0) throw new GetoptError(`option --${full} requires argument`);
      optarg = rest.shift()!;
    }
  } else if (optarg !== null) {
    throw new GetoptError(`option --${full} must not have an argument`);
  }
  out.push([`--${full}`, optarg ?? '']);
}

function longHasArgs(opt: string, longopts: readonly string[]): [boolean, string] {
  const possibilities = longopts.filter((o) => o.startsWith(opt));
  if (possibilities.length === 0) throw new GetoptError(`option --${opt} not recognized`);
  if (possibilities.includes(opt)) return [false, opt];
  if (possibilities.includes(`${opt}=`)) return [true, opt];
  if (possibilities.length > 1) throw new GetoptError(`option --${opt} not a unique prefix`);
  const unique = possibilities[0]!;
  return unique.endsWith('=') ? [true, unique.slice(0, -1)] : [false, unique];
}

function doShorts(out: [string, string][], text: string, shortopts: string, rest: string[]): void {
  let optstring = text;
  while (optstring !== '') {
    const opt = optstring[0]!;
    optstring = optstring.slice(1);
    let optarg = '';
    if (shortHasArg(opt, shortopts)) {
      if (optstring === '') {
        if (rest.length === 0) throw new GetoptError(`option -${opt} requires argument`);
        optstring = rest.shift()!;
      }
      optarg = optstring;
      optstring = '';
    }
    out.push([`-${opt}`, optarg]);
  }
}

function shortHasArg(opt: string, shortopts: string): boolean {
  for (let i = 0; i < shortopts.length; i++) {
    if (opt === shortopts[i] && opt !== ':') return shortopts[i + 1] === ':';
  }
  throw new GetoptError(`option -${opt} not recognized`);
}
