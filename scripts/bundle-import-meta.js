// Injected into the CommonJS supervisorctl bundle (scripts/bundle.mjs), which has no import.meta:
// the modules' import.meta.url is the bundle's own file URL, made when first read (an error
// message, a lazy require()): pathToFileURL costs every call 0.3 ms of CPU otherwise.
let url;
export const importMeta = {
  get url() {
    return (url ??= require('node:url').pathToFileURL(__filename).href);
  },
};
