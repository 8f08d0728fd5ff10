// The C library, reached through koffi (ADR 0006): the few system calls Node does not offer
// (waitpid for orphans, pipe2 for children's output). Loaded once, synchronously, on first use;
// a platform without koffi's binary or a known libc gets the reason instead, and callers fall back.
import { createRequire } from 'node:module';
import type { LibraryHandle } from 'koffi';

const LIBC_NAMES = ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1', 'libc.so'];

let loaded: LibraryHandle | string | undefined;

/** The C library's handle, or why it cannot be had. */
export function libc(): LibraryHandle | string {
  if (loaded === undefined) loaded = loadLibc();
  return loaded;
}

function loadLibc(): LibraryHandle | string {
  let koffi: typeof import('koffi');
  try {
    koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  } catch (err) {
    return `the koffi module is not available (${(err as Error).message})`;
  }
  for (const name of LIBC_NAMES) {
    try {
      return koffi.load(name);
    } catch {
      // try the next name
    }
  }
  return `no C library found among ${LIBC_NAMES.join(', ')}`;
}
