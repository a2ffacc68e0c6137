/**
 * `npm run lint:openapi` writes the OpenAPI document here first: the real app, built on an empty
 * in-memory store without listening on a port, asked for /openapi.json, the answer written to
 * the file named on the command line (Redocly CLI then lints that file).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServedLedger } from '../app/servedLedger.ts';
import { createSqliteEventStore } from '../store/sqlite/sqliteEventStore.ts';

const target = process.argv[2];
if (target === undefined) {
  console.error('usage: tsx src/cli/writeOpenApi.ts <file.json>');
  process.exit(64);
}
const ledger = await createServedLedger({
  store: createSqliteEventStore(':memory:'),
  jwtSecret: randomBytes(32).toString('hex'),
});
try {
  const res = await ledger.app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(res.json(), null, 2)}\n`);
  console.log(`potledger: OpenAPI document written to ${target}`);
} finally {
  await ledger.close();
}
