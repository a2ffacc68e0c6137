// `npm install` / `npm ci` (the prepare script) and `npm run build:web`: build the dashboard
// into web/dist so `npm start` serves it. Skipped, with a message, where it cannot run: an
// install without dev dependencies (the Docker image has no Vite) or without the web/
// sources. The server then answers `/` with how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('.', import.meta.url));
let vite;
try {
  vite = await import('vite');
} catch {
  vite = null;
}
if (vite === null || !existsSync(`${webDir}index.html`)) {
  console.log(
    'potledger: dashboard build skipped (no Vite or no web/ sources); the API works without it',
  );
  process.exit(0);
}
await vite.build({ configFile: `${webDir}vite.config.ts`, logLevel: 'warn' });
console.log('potledger: dashboard built into web/dist');
