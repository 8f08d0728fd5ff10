// Injected into the CommonJS supervisorctl bundle (scripts/bundle.mjs), which has no import.meta:
// the modules' import.meta.url becomes the bundle's own file URL. node:url is loaded by node's
// bootstrap anyway, so this costs nothing at start.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
