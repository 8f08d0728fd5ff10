// Imports a plugin module as it is on disk now. Node caches an import by URL for the life of the
// process, so a reload would run the old code of an edited module: the URL carries a hash of the
// file's content instead. An edited module is a new URL, imported anew; an unchanged one is the
// same URL, Node's cached instance (not evaluated again). Modules the plugin imports itself are
// cached as usual: they are not reloaded. See docs/decisions/0011-plugin-module-reload.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// a CommonJS module (.cjs, or .js under "type": "commonjs") is loaded through require's cache,
// keyed by path, which a new URL does not bypass
const requireCache = createRequire(import.meta.url).cache;

/** The content hash last imported for each module file (by real path), in this supervisord. */
const lastImported = new Map<string, string>();

export interface ImportedModule {
  namespace: { default?: unknown };
  /** a different content of this file was imported before (an earlier run): this one is new code */
  changed: boolean;
}

/** Imports `file` (an absolute path) at its current content; throws what reading or importing threw. */
export async function importCurrentModule(file: string): Promise<ImportedModule> {
  const real = fs.realpathSync(file);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(real)).digest('hex');
  const previous = lastImported.get(real);
  const changed = previous !== undefined && previous !== hash;
  if (changed) delete requireCache[real];
  // the real path: a module reached through two symlinks is one module, as Node itself sees it
  const namespace = (await import(`${pathToFileURL(real).href}?sha256=${hash}`)) as { default?: unknown };
  lastImported.set(real, hash);
  return { namespace, changed };
}
