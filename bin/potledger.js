#!/usr/bin/env node
// The `potledger` command line. Runs the compiled CLI (dist/, see bin/compiled.js) when it is
// current, as in the Docker image; in a checkout whose sources changed since the last build it
// runs the TypeScript sources through tsx instead, so an edit is never hidden by a stale build.
import { pathToFileURL } from 'node:url';
import { COMPILED_CLI, compiledIsCurrent } from './compiled.js';

if (compiledIsCurrent()) {
  await import(pathToFileURL(COMPILED_CLI).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
