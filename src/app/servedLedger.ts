/**
 * The ledger as the server runs it: the core (ledger.ts) with the HTTP API in front
 * (src/http/server.ts). main.ts serves it; the API tests drive it through app.inject().
 */
import type { FastifyInstance } from 'fastify';
import { createHttpServer, type HttpServerOptions } from '../http/server.ts';
import { createLedger, type Ledger, type LedgerOptions } from './ledger.ts';

export type ServedLedgerOptions = LedgerOptions & HttpServerOptions;

export interface ServedLedger extends Ledger {
  readonly app: FastifyInstance;
}

export async function createServedLedger(options: ServedLedgerOptions): Promise<ServedLedger> {
  const ledger = await createLedger(options);
  let app: FastifyInstance;
  try {
    app = await createHttpServer(ledger, options);
  } catch (error) {
    await ledger.close();
    throw error;
  }
  return {
    ...ledger,
    app,
    async close() {
      // The API first, so no request reaches a ledger that is closing.
      await app.close();
      await ledger.close();
    },
  };
}
