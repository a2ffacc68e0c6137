/**
 * A small ledger on the command path (handler + ledger commands over a real SQLite store) for
 * the group-commit tests: agencies, pots with an intervention each, and helpers to read back
 * each stream's events and the books, normalised so two runs can be compared.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../events/index.ts';
import { agencyBalances, createLedgerBooks, potSummary } from '../../projections/index.ts';
import {
  createCommandHandler,
  type CommandHandlerOptions,
} from '../../src/writePath/commandHandler.ts';
import { createLedgerCommands, type CommandEnvelope } from '../../src/writePath/ledgerCommands.ts';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.ts';
import { foldLog } from '../../src/books/foldLog.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';

export const AGENCIES = ['essex-cc', 'essex-police', 'essex-fire'] as const;
export const ADMIN: Actor = { sub: 'alice', role: 'admin' };
export const FIXED_NOW = '2025-06-30T12:00:00.000Z';
export const EFFECTIVE_DATE = '2025-06-30';

export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'potledger-gc-')), 'ledger.db');
}

/** Ids that depend only on how many were asked for: the same in every run of the same commands. */
export function counterIds(prefix: string): () => string {
  let n = 0;
  // A ULID's shape (26 Crockford characters), so the schemas accept it.
  return () => `${prefix}${String(n++).padStart(26 - prefix.length, '0')}`;
}

/** `name`: one Crockford letter, unique among the ledgers sharing a store (their ids and keys must not collide). */
export function ledgerOn(
  store: EventStore,
  options: Partial<CommandHandlerOptions> = {},
  name = 'A',
) {
  const handler = createCommandHandler({ store, clock: () => FIXED_NOW, ...options });
  const commands = createLedgerCommands(handler, counterIds(`01J${name}`), undefined, {
    index: { '2025-26': '100' },
  });
  let key = 0;
  const envelope = (actor: Actor = ADMIN, commandId?: string): CommandEnvelope => ({
    actor,
    commandId: commandId ?? `cmd-${name}-${key++}`,
    clientSuppliedKey: commandId !== undefined,
    correlationId: 'test',
  });
  return { handler, commands, envelope };
}

export interface Setup {
  readonly potIds: string[];
  readonly interventionIds: string[];
}

/** Agencies, then `pots` pots with every agency a partner and one intervention each. */
export async function setUp(ledger: ReturnType<typeof ledgerOn>, pots: number): Promise<Setup> {
  for (const agencyId of AGENCIES)
    await ledger.commands.registerAgency(
      { agencyId, name: agencyId, kind: 'council' },
      ledger.envelope(),
    );
  const potIds: string[] = [];
  const interventionIds: string[] = [];
  for (let i = 0; i < pots; i++) {
    const opened = await ledger.commands.openPot(
      {
        name: `Pot ${i}`,
        area: 'Essex',
        hostAgencyId: AGENCIES[0],
        partnerAgencyIds: [...AGENCIES.slice(1)],
        currency: 'GBP',
      },
      ledger.envelope(),
    );
    const potId = (opened.events[0]!.data as { potId: string }).potId;
    potIds.push(potId);
    const defined = await ledger.commands.defineIntervention(
      potId,
      { name: `Scheme ${i}`, leadAgencyId: AGENCIES[0] },
      ledger.envelope(),
    );
    interventionIds.push((defined.events[0]!.data as { interventionId: string }).interventionId);
  }
  return { potIds, interventionIds };
}

export async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll(events.at(-1)?.position ?? 0n, 1_000);
    if (page.length === 0) return events;
    events.push(...page);
  }
}

/**
 * Every stream's events and the books, with what legitimately differs between two runs taken
 * out: event ids (named by stream and revision instead), hashes and log positions.
 */
export async function normalisedLedger(store: EventStore, setup: Setup) {
  const events = await allEvents(store);
  const names = new Map(events.map((e) => [e.eventId, `${e.streamId}#${e.streamRevision}`]));
  const rename = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (key, v: unknown) => {
        if (key === 'position' || key === 'hash' || key === 'previousHash' || key === 'logHash')
          return undefined;
        if (typeof v === 'bigint') return v.toString();
        return typeof v === 'string' && names.has(v) ? names.get(v) : v;
      }),
    );
  const streams = new Map<string, unknown[]>();
  for (const e of events) {
    const list = streams.get(e.streamId) ?? [];
    list.push(
      rename({
        type: e.type,
        data: e.data,
        revision: e.streamRevision,
        commandId: e.metadata.commandId,
      }),
    );
    streams.set(e.streamId, list);
  }
  const books = createLedgerBooks();
  await foldLog(store, {}, { books });
  return {
    streams: Object.fromEntries([...streams].sort(([a], [b]) => a.localeCompare(b))),
    pots: setup.potIds.map((potId) => rename(potSummary(books.state.potSummary, potId))),
    agencies: AGENCIES.map((agencyId) =>
      rename(agencyBalances(books.state.agencyBalances, agencyId)),
    ),
  };
}

export function openStore(path: string = tempDbPath()) {
  return { path, store: createSqliteEventStore(path) };
}
