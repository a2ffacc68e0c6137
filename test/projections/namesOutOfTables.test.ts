/**
 * Issue 18: the audit trail keeps its per-entity names (references, dates, requests, spends,
 * claims…) packed (projections/packedNames.ts), and the exceptions keep none in the books —
 * they read the trail's, less what an earlier event made moot. Property: over random logs a
 * decider would refuse — names taught late, twice, under a lower-case twin of the same ULID;
 * reversals, decisions and payments repeated — every audit entry is exactly what the trail that
 * summarised each event as it folded it answers (auditTrailReference.ts), and every exception,
 * folded beside the trail or on its own, exactly what the exceptions that kept their own Maps
 * answered (exceptionsReference.ts, the implementation they replaced).
 */
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { auditEntryAt, auditTrailProjection } from '../../projections/auditTrail.ts';
import {
  evolveExceptionsBesideTrail,
  exceptionsProjection,
  initialExceptionsBesideTrail,
  potExceptions,
  potPoolYearExceptions,
} from '../../projections/exceptions.ts';
import { foldAll } from '../../projections/projection.ts';
import {
  createPackedNameTable,
  packedForget,
  packedGetBefore,
  packedSet,
} from '../../projections/packedNames.ts';
import { referenceAuditTrailProjection } from './auditTrailReference.ts';
import {
  exceptionsProjection as referenceExceptionsProjection,
  potExceptions as referencePotExceptions,
  potPoolYearExceptions as referencePotPoolYearExceptions,
} from './exceptionsReference.ts';

const POT = '01JA0000000000000000000P0T';
const INTERVENTION = '01JA000000000000000000NTRV';
/** Keys: a canonical ULID, its lower-case twin (another key), and a second ULID. */
const KEYS = [
  '01JB2C3D4E5F6G7H8J9KMNPQRS',
  '01jb2c3d4e5f6g7h8j9kmnpqrs',
  '01JC0000000000000000000002',
];
const LONG = `Families in work ${'and out of the courts '.repeat(8)}`;
const actor = (sub: string) => ({ sub, role: 'finance-officer', agencyId: 'a' });

type Op = readonly [kind: number, key: number, variant: number];

/** One event of each kind that teaches or reads a name, on key KEYS[key], told apart by `variant`. */
function dataOf([kind, k, v]: Op): { type: string; data: Record<string, unknown> } {
  const key = KEYS[k]!;
  const other = KEYS[(k + 1) % KEYS.length]!;
  const base = { potId: POT, interventionId: INTERVENTION, effectiveDate: `2025-0${4 + v}-01` };
  const reversal = { ...base, reversedEventId: '01JD0000000000000000000009', reason: `why ${v}` };
  const shares = [{ agencyId: 'a', amount: '5.00' }];
  const benefits = [{ agencyId: 'b', amount: '3.00', cashable: v % 2 === 0 }];
  const flows = [{ fromAgencyId: 'a', toAgencyId: 'b', amount: '3.00', cashable: true }];
  const overspend =
    v % 2 === 0
      ? {}
      : {
          overspend: {
            financialYear: '2025-26',
            budget: '1.00',
            spent: '1.00',
            committed: '0.00',
            remaining: '0.00',
            overBy: '2.00',
          },
        };
  const kinds: { type: string; data: Record<string, unknown> }[] = [
    {
      type: 'AgencyRegistered',
      data: { agencyId: ['a', 'b'][v % 2], name: `Agency ${v}`, kind: 'council' },
    },
    {
      type: 'PotOpened',
      data: {
        potId: POT,
        name: `Pot ${v}`,
        area: 'X',
        hostAgencyId: 'a',
        partnerAgencyIds: ['a', 'b'],
      },
    },
    { type: 'InterventionDefined', data: { ...base, name: `Scheme ${v}`, leadAgencyId: 'a' } },
    {
      type: 'ContributionReceived',
      data: { ...base, contributionId: key, agencyId: 'a', amount: '10.00', reference: `PO-${v}` },
    },
    {
      type: 'ContributionReversed',
      data: { ...reversal, contributionId: key, agencyId: 'a', amount: '10.00' },
    },
    {
      type: 'FundsAllocated',
      data: { ...base, allocationId: key, amount: '5.00', fundingShares: shares, reason: 'r' },
    },
    {
      type: 'AllocationReversed',
      data: { ...reversal, allocationId: key, amount: '5.00', fundingShares: shares },
    },
    {
      type: 'OutcomeRecorded',
      data: {
        ...base,
        outcomeId: key,
        description: v % 2 === 0 ? `Outcome ${v}` : LONG,
        benefits,
        flows,
      },
    },
    { type: 'OutcomeRetracted', data: { ...reversal, outcomeId: key, benefits, flows } },
    {
      type: 'AllocationRequested',
      data: {
        ...base,
        allocationId: key,
        amount: `${v + 1}00.00`,
        reason: 'r',
        approvalThreshold: '1.00',
        requestedBy: { sub: ['alice', 'bob'][v % 2], role: 'finance-officer' },
      },
    },
    {
      type: 'AllocationApproved',
      data: { potId: POT, allocationId: key, approvedBy: actor('carol') },
    },
    {
      type: 'AllocationRejected',
      data: {
        potId: POT,
        allocationId: key,
        rejectedBy: { sub: ['alice', 'carol'][v % 2], role: 'finance-officer' },
        reason: 'no',
      },
    },
    {
      type: 'SelfApprovalAttempted',
      data: { potId: POT, allocationId: key, attemptedBy: actor('alice') },
    },
    {
      type: 'SpendRecorded',
      data: {
        ...base,
        spendId: key,
        amount: '2.00',
        invoiceRef: `INV-${v}`,
        supplier: `Supplier ${v}`,
        ...(v > 1 ? { commitmentId: other, commitmentReleased: '1.00' } : {}),
        ...overspend,
      },
    },
    {
      type: 'SpendReversed',
      data: {
        ...reversal,
        spendId: key,
        amount: '2.00',
        ...(v > 1 ? { commitmentId: other, commitmentRestored: '1.00' } : {}),
      },
    },
    {
      type: 'CommitmentRaised',
      data: { ...base, commitmentId: key, amount: '4.00', reference: `CO-${v}`, ...overspend },
    },
    {
      type: 'CommitmentReleased',
      data: { ...base, commitmentId: key, amount: '1.00', reason: 'cut' },
    },
    { type: 'CommitmentReversed', data: { ...reversal, commitmentId: key, amount: '3.00' } },
    {
      type: 'OutcomeClaimed',
      data: {
        ...base,
        claimId: key,
        code: `CODE-${v}`,
        price: '7.00',
        contractRef: 'C-1',
        outcomeDate: '2025-05-01',
        evidenceRef: 'EV',
        claimedBy: actor('dave'),
        ...(v > 0 ? { outcomeId: other } : {}),
      },
    },
    { type: 'ClaimValidated', data: { potId: POT, claimId: key, validatedBy: actor('carol') } },
    {
      type: 'ClaimRejected',
      data: { potId: POT, claimId: key, rejectedBy: actor('carol'), reason: 'no evidence' },
    },
    {
      type: 'ClaimPaid',
      data: {
        ...base,
        claimId: key,
        spendId: other,
        amount: '7.00',
        payerShares: [{ agencyId: 'a', amount: '7.00' }],
        ...overspend,
      },
    },
  ];
  return kinds[kind % kinds.length]!;
}
const KINDS = 22;

function logOf(ops: readonly Op[]): Envelope[] {
  return ops.map((op, i) => {
    const { type, data } = dataOf(op);
    return {
      type,
      data,
      eventId: `01JE${String(i).padStart(22, '0')}`,
      streamId: `pot-${POT}`,
      streamRevision: BigInt(i),
      position: BigInt(i + 1),
      metadata: {
        commandId: `c${i}`,
        correlationId: `c${i}`,
        actor: actor(['alice', 'carol'][i % 2]!),
        recordedAt: new Date(Date.parse('2025-04-01T09:00:00Z') + i * 60_000).toISOString(),
      },
    } as unknown as Envelope;
  });
}

const opArbitrary = fc.tuple(
  fc.nat(KINDS - 1),
  fc.nat(KEYS.length - 1),
  fc.nat(3),
) as fc.Arbitrary<Op>;

describe('names kept out of per-entity Maps', () => {
  it('the trail and the exceptions answer exactly as the trail and exceptions that kept Maps', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 1, maxLength: 80 }), (ops) => {
        const events = logOf(ops);
        const half = Math.floor(events.length / 2);
        // Half folded, through node:v8 and back as a books snapshot stores them, then the rest.
        let { trail, beside } = deserialize(
          serialize(
            events.slice(0, half).reduce(
              (books, event) => {
                const trail = auditTrailProjection.evolve(books.trail, event);
                return { trail, beside: evolveExceptionsBesideTrail(books.beside, event, trail) };
              },
              {
                trail: auditTrailProjection.initialState(),
                beside: initialExceptionsBesideTrail(),
              },
            ),
          ),
        ) as {
          trail: ReturnType<typeof auditTrailProjection.initialState>;
          beside: ReturnType<typeof initialExceptionsBesideTrail>;
        };
        for (const event of events.slice(half)) {
          trail = auditTrailProjection.evolve(trail, event);
          beside = evolveExceptionsBesideTrail(beside, event, trail);
        }
        const alone = foldAll(exceptionsProjection, events);

        const referenceTrail = foldAll(referenceAuditTrailProjection, events);
        for (let i = 0; i < events.length; i++)
          expect(auditEntryAt(trail, i, events[i]!)).toStrictEqual(referenceTrail.entries[i]);

        const reference = foldAll(referenceExceptionsProjection, events);
        for (const filter of [{}, { financialYear: '2025-26' }]) {
          const expected = referencePotExceptions(reference, POT, filter);
          const expectedPoolYear = referencePotPoolYearExceptions(reference, POT, filter);
          for (const state of [beside, alone]) {
            expect(potExceptions(state, POT, filter)).toStrictEqual(expected);
            expect(potPoolYearExceptions(state, POT, filter)).toStrictEqual(expectedPoolYear);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a packed name table', () => {
  it('gives what a Map per table, with every value kept by row, gives — across index growth', () => {
    const keyOf = (n: number): string =>
      n % 7 === 0 ? `not-a-ulid-${n}` : `01JF${n.toString(32).toUpperCase().padStart(22, '0')}`;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2), fc.nat(3_000), fc.nat(3), fc.nat(3)), {
          minLength: 1_000,
          maxLength: 3_000,
        }),
        (ops) => {
          const table = createPackedNameTable();
          const model = new Map<string, { row: number; value: string; forgottenAt?: number }[]>();
          // Most keys new (fast-check's small numbers would rarely fill the index enough to grow it).
          const keyed = ops.map(([tableNumber, n, forgetting, fresh], row) =>
            fresh > 0
              ? ([tableNumber, 10_000 + row, forgetting === 0] as const)
              : ([tableNumber, n, forgetting === 0] as const),
          );
          keyed.forEach(([tableNumber, n, forget], row) => {
            const key = `${tableNumber}|${keyOf(n)}`;
            if (forget) {
              packedForget(table, tableNumber, keyOf(n), row);
              const newest = model.get(key)?.at(-1);
              if (newest !== undefined && newest.forgottenAt === undefined)
                newest.forgottenAt = row;
            } else {
              packedSet(table, tableNumber, keyOf(n), `v${row}`, row);
              model.set(key, [...(model.get(key) ?? []), { row, value: `v${row}` }]);
            }
          });
          for (const [tableNumber, n] of [...keyed.slice(0, 100), ...keyed.slice(-100)])
            for (const row of [0, Math.floor(ops.length / 2), ops.length]) {
              const taught = (model.get(`${tableNumber}|${keyOf(n)}`) ?? []).filter(
                (entry) => entry.row < row,
              );
              const newest = taught.at(-1);
              expect(packedGetBefore(table, tableNumber, keyOf(n), row)).toBe(newest?.value);
              expect(packedGetBefore(table, tableNumber, keyOf(n), row, true)).toBe(
                newest === undefined ||
                  (newest.forgottenAt !== undefined && newest.forgottenAt < row)
                  ? undefined
                  : newest.value,
              );
            }
        },
      ),
      // Shrinking thousands of operations takes minutes; the first counterexample says enough.
      { numRuns: 20, endOnFailure: true },
    );
  });
});
