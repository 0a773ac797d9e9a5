// Entry point Pulumi's policy runner loads (package.json "main"); CommonJS on purpose.
//
// `@pulumi/pulumi/cmd/run-policy-pack` require()s the pack directory after registering ts-node for
// `.ts` files, whatever PulumiPolicy.yaml says (see the comment there). ts-node cannot load this
// repository's TypeScript (ES modules importing `.ts` paths), so the pack does not go through it:
// this file hands index.ts to tsx's ESM loader instead, the runtime the CLI and the Pulumi program
// use. tsx is imported as an ES module (its CommonJS build of `tsx/esm/api` cannot register its
// loader). run-policy-pack awaits the promise exported here, so a failure to load fails the pack.
'use strict';
const { pathToFileURL } = require('node:url');

module.exports = import('tsx/esm/api').then(({ tsImport }) => tsImport('./index.ts', pathToFileURL(__filename).href));
