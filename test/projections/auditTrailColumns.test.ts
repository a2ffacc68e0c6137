/**
 * The audit trail keeps only numbers and names in memory (projections/auditTrail.ts) and builds
 * each entry — its summary included — when a page is read, from the stored event. Property: for
 * random valid histories, with actors (some acting for agencies registered only later), causation
 * ids, names taught twice and a second pot mixed in, every entry and every page of every random
 * filter is exactly what the plain one-object-per-entry trail, which summarised each event as it
 * folded it (auditTrailReference.ts, the implementation it replaced), answers.
 */
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import {
  auditEntriesFrom,
  auditEntryAt,
  auditTrailProjection,
  type AuditQuery,
} from '../../projections/auditTrail.ts';
import { foldAll } from '../../projections/projection.ts';
import { referenceAuditEntries, referenceAuditTrailProjection } from './auditTrailReference.ts';
import { ACTORS } from './envelopes.ts';
import { essexScenario } from './essexScenario.ts';
import { AGENCIES, DATES, historyOf, opsWithPoolYearArbitrary } from './randomHistory.ts';

const actorChoices = [
  ACTORS.admin,
  ACTORS.alice,
  ACTORS.carol,
  { sub: 'dave', role: 'auditor' },
  { sub: 'alice', role: 'admin' },
  { sub: 'erin', role: 'finance-officer', agencyId: 'd-dwp' },
];

/** Events that teach a name, taught again under another name (a log a decider would refuse). */
function renamings(events: readonly Envelope[]): Envelope[] {
  const again: Envelope[] = [];
  for (const event of events) {
    if (
      event.type === 'AgencyRegistered' ||
      event.type === 'PotOpened' ||
      event.type === 'InterventionDefined' ||
      event.type === 'ContributionReceived'
    ) {
      const data = event.data as { name?: string; reference?: string };
      again.push({
        ...event,
        eventId: `${event.eventId}-again`,
        data: {
          ...data,
          ...(data.name === undefined ? {} : { name: `${data.name} (renamed)` }),
          ...(data.reference === undefined ? {} : { reference: `${data.reference}-B` }),
        },
      } as Envelope);
    }
  }
  return again;
}

/** The history with each event's actor (and sometimes a causation id) replaced by the picks. */
function withActors(events: readonly Envelope[], picks: readonly number[]): Envelope[] {
  return events.map((event, i) => {
    const pick = picks[i % picks.length]!;
    const actor = actorChoices[pick % actorChoices.length]!;
    const metadata = {
      ...event.metadata,
      actor,
      ...(pick % 3 === 0 ? { causationId: `cause-${pick}` } : {}),
    };
    return { ...event, metadata } as Envelope;
  });
}

const queryArbitrary = (potIds: readonly string[]) =>
  fc.record(
    {
      potId: fc.constantFrom(...potIds, 'no-such-pot', 'FundsAllocated'),
      agencyId: fc.constantFrom(...AGENCIES, 'essex-police', 'essex-cc', 'nobody'),
      actor: fc.constantFrom('root', 'alice', 'carol', 'dave', 'nobody'),
      // 'event N': the recordedAt of the Nth event, so the bounds land exactly on entries too.
      from: fc.oneof(
        fc.constantFrom(...DATES, '2025-04-01T09:30:00.000Z'),
        fc.nat(60).map((n) => `event ${n}`),
      ),
      to: fc.oneof(
        fc.constantFrom(...DATES, '2025-04-01T10:00:00Z'),
        fc.nat(60).map((n) => `event ${n}`),
      ),
      cursor: fc.nat(80).map(String),
    },
    { requiredKeys: [] },
  );

function allPages(
  answer: (query: AuditQuery) => unknown,
  query: Omit<AuditQuery, 'limit'>,
  limit: number,
): unknown[] {
  const pages: unknown[] = [];
  let cursor = query.cursor;
  for (let guard = 0; guard < 1_000; guard++) {
    const page = answer({ ...query, ...(cursor === undefined ? {} : { cursor }), limit }) as {
      nextCursor: string | null;
    };
    pages.push(page);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('audit trail in columns', () => {
  it('answers every page of every filter exactly as the one-object-per-entry trail', () => {
    const essex = essexScenario().h.events;
    fc.assert(
      fc.property(
        // With the pooled-fund year, so its entries are paged and filtered like every other.
        opsWithPoolYearArbitrary,
        fc.array(fc.nat(29), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(
          fc.tuple(
            fc.constant(null).chain(() => queryArbitrary(['p'])),
            fc.integer({ min: 1, max: 7 }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (ops, picks, addEssex, rename, queries) => {
          const base = historyOf(ops).events;
          // Names taught again halfway through: entries before and after must each say what was known then.
          const middle = Math.floor(base.length / 2);
          const spliced = rename
            ? [...base.slice(0, middle), ...renamings(base), ...base.slice(middle)]
            : base;
          // Essex's events follow the random history, so a second pot and its partners are in the
          // log (and alice and carol act for agencies registered only then); all renumbered.
          const events = withActors(
            [...spliced, ...(addEssex ? essex : [])].map(
              (event, i) => ({ ...event, position: BigInt(i + 1) }) as Envelope,
            ),
            picks,
          );
          const byPosition = new Map(events.map((event) => [event.position, event]));
          // Half folded, through node:v8 and back as a books snapshot stores it, then the rest
          // folded on top: plain data, nothing lost, and it grows on after a restore.
          const half = Math.floor(events.length / 2);
          let compact = deserialize(
            serialize(foldAll(auditTrailProjection, events.slice(0, half))),
          ) as ReturnType<typeof auditTrailProjection.initialState>;
          for (const event of events.slice(half))
            compact = auditTrailProjection.evolve(compact, event);
          const reference = foldAll(referenceAuditTrailProjection, events);

          expect(compact.size).toBe(reference.entries.length);
          for (let i = 0; i < compact.size; i++)
            expect(auditEntryAt(compact, i, events[i]!)).toStrictEqual(reference.entries[i]);

          const potIds = [
            ...new Set(
              events
                .map((e) => (e.data as { potId?: string }).potId)
                .filter((p): p is string => p !== undefined),
            ),
          ];
          for (const [rawQuery, limit] of queries) {
            const at = (bound: string | undefined) =>
              bound?.startsWith('event ')
                ? events[Number(bound.slice(6)) % events.length]!.metadata.recordedAt
                : bound;
            const from = at(rawQuery.from);
            const to = at(rawQuery.to);
            const query = {
              ...rawQuery,
              ...(rawQuery.potId === 'p' ? { potId: potIds[limit % potIds.length]! } : {}),
              ...(from === undefined ? {} : { from }),
              ...(to === undefined ? {} : { to }),
            };
            expect(
              allPages((q) => auditEntriesFrom(compact, q, byPosition), query, limit),
            ).toStrictEqual(allPages((q) => referenceAuditEntries(reference, q), query, limit));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
