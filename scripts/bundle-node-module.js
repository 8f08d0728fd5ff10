// Stands in for node:module in the CommonJS supervisorctl bundle (scripts/bundle.mjs): the bundle
// calls createRequire() only with its own import.meta.url (its file URL), for which the bundle's
// own require() is that very function, and loading node:module costs every call its ES loader.
export function createRequire(url) {
  if (url !== importMeta.url) throw new Error(`bundle: createRequire(${url}) from the supervisorctl bundle, which only has its own require()`);
  return require;
}
