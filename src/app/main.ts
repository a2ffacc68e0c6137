/**
 * `npm start`: serves the ledger on the configured store (the embedded SQLite file by default).
 */
import { mkdirSync } from 'node:fs';
import { loadJwtSecret, readConfig } from './config.ts';
import { readSignInConfig } from './oidcConfig.ts';
import { createServedLedger } from './servedLedger.ts';
import { openEventStore } from '../store/openStore.ts';
import { readLogRange } from '../store/storeSupport.ts';
import { replayProgressPrinter } from '../cli/progress.ts';
import { openReadModelWriter, redactUrl } from '../books/sqlMirror/openReadModels.ts';
import { dashboardIsBuilt } from '../http/plugins/dashboard.ts';
import { devTokensEnabled } from '../http/plugins/devToken.ts';
import { join } from 'node:path';
import { createBooksSnapshots } from '../books/snapshots/booksSnapshots.ts';
import {
  createStreamSnapshots,
  STREAM_SNAPSHOTS_FILE,
} from '../books/snapshots/streamSnapshots.ts';

export async function serve(): Promise<void> {
  const config = readConfig();
  const signIn = readSignInConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = loadJwtSecret(config.dataDir);
  const store = await openEventStore(config.storeUrl);
  const readModels =
    config.readModelsUrl === null
      ? undefined
      : await openReadModelWriter(config.readModelsUrl, {
          readEvents: (from, through) => readLogRange(store, from, through),
          onError: (error) =>
            console.error(
              'potledger: writing the SQL read models failed (will retry or, if another writer moved the checkpoint, restart to resume):',
              error,
            ),
        });
  const snapshots =
    config.snapshotsDir === null
      ? undefined
      : createBooksSnapshots({
          dir: config.snapshotsDir,
          log: (message) => console.error(`potledger: ${message}`),
        });
  const streamSnapshots =
    config.snapshotsDir === null
      ? undefined
      : createStreamSnapshots({
          path: join(config.snapshotsDir, STREAM_SNAPSHOTS_FILE),
          onError: (error) =>
            console.error(
              'potledger: a stream snapshot could not be kept (the ledger carries on):',
              error,
            ),
        });
  const ledger = await createServedLedger({
    store,
    ...(streamSnapshots === undefined ? {} : { streamSnapshots }),
    ...(snapshots === undefined ? {} : { snapshots }),
    onSnapshot: (report) => {
      if (report.kind === 'loaded') {
        const { snapshot } = report;
        console.error(
          `potledger: books from snapshot ${snapshot.file} (log position ${snapshot.anchor.position}, ${Math.round(snapshot.bytes / 2 ** 20)} MiB, loaded in ${Math.round(snapshot.loadMs)} ms)`,
        );
      } else if (report.kind === 'skipped') {
        if (snapshots !== undefined) console.error(`potledger: ${report.reason}`);
      } else if (report.kind === 'saved') {
        const { snapshot } = report;
        console.error(
          `potledger: books snapshot at log position ${snapshot.position} (${Math.round(snapshot.bytes / 2 ** 20)} MiB, event loop held ${Math.round(snapshot.encodeMs)} ms)`,
        );
      } else {
        // A snapshot is a cache: failing to take one costs the next start time, not correctness.
        console.error(
          'potledger: taking a books snapshot failed (the ledger carries on):',
          report.error,
        );
      }
    },
    ...(readModels === undefined ? {} : { readModels }),
    corsOrigins: config.corsOrigins,
    historyBudgetMs: config.historyBudgetMs,
    ...(config.writesPerMinute === null ? {} : { writesPerMinute: config.writesPerMinute }),
    jwtSecret: secret.secret,
    hs256: signIn.hs256,
    ...(signIn.oidc === null ? {} : { oidc: signIn.oidc }),
    devTokens: devTokensEnabled(process.env) && signIn.hs256,
    serverLimits: config.serverLimits,
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    ...(config.pressureLimits === null ? {} : { pressureLimits: config.pressureLimits }),
    readyMaxLagEvents: config.readyMaxLagEvents,
    metrics: { processMetrics: true },
    logger: { level: process.env.LEDGER_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info' },
    onReplayProgress: replayProgressPrinter(process.stderr),
    onProjectionFailure: (error) => {
      // The books can no longer be trusted: stop loudly rather than serve wrong figures.
      console.error('potledger: a projection failed; stopping.', error);
      process.exit(70);
    },
  });
  const address = await ledger.app.listen({ port: config.port, host: config.host });

  console.log(
    `potledger serving ${address}  (store ${redactUrl(config.storeUrl)}, log position ${ledger.runner.position()})`,
  );
  console.log(`  API docs: ${address}/docs    OpenAPI: ${address}/openapi.json`);
  console.log(
    dashboardIsBuilt()
      ? `  Dashboard: ${address}/${devTokensEnabled(process.env) ? '  (development sign-in helper on: NODE_ENV is not production)' : ''}`
      : '  Dashboard: not built (run `npm run build:web`); / says so until it is',
  );
  console.log(
    `  SQL read models: ${config.readModelsUrl === null ? 'off' : redactUrl(config.readModelsUrl)}`,
  );
  console.log(`  Snapshots: ${config.snapshotsDir ?? 'off'}`);
  console.log(
    `  Sign-in: ${signIn.oidc === null ? 'no OpenID Connect issuer' : `OpenID Connect (${signIn.oidc.verifier.issuers.join(', ')})${signIn.oidc.login === null ? ', no dashboard client' : ''}`}; HS256 tokens ${signIn.hs256 ? 'on' : 'off'}`,
  );
  if (secret.source === 'created') {
    console.log(`  First start: created a signing secret at ${secret.path} (mode 0600).`);
  }
  // The token command must sign with this server's secret, so it needs the same data directory.
  const envPrefix =
    secret.source === 'env'
      ? 'LEDGER_JWT_SECRET=… '
      : process.env.LEDGER_DATA_DIR === undefined
        ? ''
        : `LEDGER_DATA_DIR=${config.dataDir} `;
  if (signIn.hs256) {
    console.log('  Mint a token to call the API, e.g.:');
    console.log(`    ${envPrefix}npx potledger token --sub alice --role admin`);
    console.log(
      `    ${envPrefix}npx potledger token --sub bob --role finance-officer --agency essex-police`,
    );
    console.log(`  then: curl -H "Authorization: Bearer <token>" ${address}/v1/pots`);
  }

  const shutdown = async (signal: string) => {
    console.log(`potledger: ${signal}, closing`);
    await ledger.close();
    streamSnapshots?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

await serve();
