/**
 * Four-eyes cannot be split around (issue 13, commands/fourEyesWindow.ts): one requester's
 * direct allocations to one intervention recorded within FOUR_EYES_WINDOW_DAYS count together
 * toward the pot's approval threshold. The window is on the server's clock (recordedAt / now),
 * not on the business date; reversed allocations still count; approved ones do not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideApproveAllocation } from '../../commands/decideAllocationRequest.ts';
import { isRefusal } from '../../commands/decision.ts';
import { FOUR_EYES_WINDOW_DAYS } from '../../commands/fourEyesWindow.ts';
import { evolvePot, initialPotState } from '../../commands/potState.ts';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import type { Actor } from '../../events/index.ts';
import type { PotEvent } from '../../events/pot.ts';
import {
  allocationApproved,
  allocationRequested,
  APPROVER,
  potOpenedWithThreshold,
  REQUESTER,
} from './controlFixtures.ts';
import {
  allocate,
  allocationReversed,
  contributionReceived,
  fundsAllocated,
  interventionDefined,
  interventionId,
  POT_ID,
  potOpened,
} from './fixtures.ts';
import {
  ADMIN,
  AGENCY,
  defaultContext,
  givenEventId,
  given,
  NOW,
  testUlid,
  type GivenEvent,
} from './spec.ts';

const { cc, police } = AGENCY;

/** Threshold 500,000.00; council 600,000.00 and police 400,000.00 unallocated; intervention 1. */
const funded = [
  potOpenedWithThreshold(),
  contributionReceived(cc, '600000.00', { n: 1 }),
  contributionReceived(police, '400000.00', { n: 2 }),
  interventionDefined(),
];
/** The allocation (n 1) the specs start from: 300,000.00 to intervention 1, shares by the stakes above. */
const earlier = (o: { intervention?: number; effectiveDate?: string } = {}) =>
  fundsAllocated('300000.00', { [cc]: '180000.00', [police]: '120000.00' }, { n: 1, ...o });

/** The event as the store holds it: recorded by `actor` at `recordedAt` (server time). */
function recorded<E extends PotEvent>(actor: Actor, recordedAt: string, event: E): GivenEvent<E> {
  return { ...event, metadata: { actor, recordedAt } };
}

/** What the decider writes when the rolling rule, not the amount alone, asks for approval. */
function requestedBecauseOfWindow(amount: string, allocatedInWindow: string) {
  const requested = allocationRequested(amount);
  return {
    ...requested,
    data: { ...requested.data, rollingWindow: { days: FOUR_EYES_WINDOW_DAYS, allocatedInWindow } },
  };
}

const requesting =
  (amount: string) =>
  (
    state: Parameters<typeof decideAllocateToIntervention>[0],
    context: Parameters<typeof decideAllocateToIntervention>[2],
  ) =>
    decideAllocateToIntervention(state, allocate(amount), context);

describe('four-eyes: the rolling window', () => {
  it('the allocation that brings one requester to the threshold on one intervention within the window is only requested, and says why', () => {
    given([...funded, recorded(REQUESTER, '2026-01-01T09:00:00.000Z', earlier())])
      .when(requesting('200000.00'), { actor: REQUESTER })
      .then([requestedBecauseOfWindow('200000.00', '300000.00')]);
  });

  it('one penny below the threshold in total, it is made at once', () => {
    given([...funded, recorded(REQUESTER, '2026-01-01T09:00:00.000Z', earlier())])
      .when(requesting('199999.99'), { actor: REQUESTER })
      .then([fundsAllocated('199999.99', { [cc]: '119999.99', [police]: '80000.00' }, { n: 100 })]);
  });

  it('an amount at the threshold alone is requested for that reason, with no rolling window named', () => {
    given([...funded, recorded(REQUESTER, '2026-01-01T09:00:00.000Z', earlier())])
      .when(requesting('500000.00'), { actor: REQUESTER })
      .then([allocationRequested('500000.00')]);
  });

  it("another requester's allocations do not count toward this requester's", () => {
    const g = given([...funded, recorded(APPROVER, '2026-01-01T09:00:00.000Z', earlier())]).when(
      requesting('200000.00'),
      { actor: REQUESTER },
    );
    expect((g.result as PotEvent[]).map((e) => e.type)).toEqual(['FundsAllocated']);
  });

  it('allocations to another intervention do not count', () => {
    const g = given([
      ...funded,
      interventionDefined({ n: 2 }),
      recorded(REQUESTER, '2026-01-01T09:00:00.000Z', earlier({ intervention: 2 })),
    ]).when(requesting('200000.00'), { actor: REQUESTER });
    expect((g.result as PotEvent[]).map((e) => e.type)).toEqual(['FundsAllocated']);
  });

  it(`the window is the day of the request and the ${FOUR_EYES_WINDOW_DAYS} days before it (UTC): recorded on 2025-12-16 counts on 2026-01-15, on 2025-12-15 it does not`, () => {
    given([...funded, recorded(REQUESTER, '2025-12-16T00:00:00.000Z', earlier())])
      .when(requesting('200000.00'), { actor: REQUESTER, now: NOW })
      .then([requestedBecauseOfWindow('200000.00', '300000.00')]);
    const g = given([...funded, recorded(REQUESTER, '2025-12-15T23:59:59.999Z', earlier())]).when(
      requesting('200000.00'),
      { actor: REQUESTER, now: NOW },
    );
    expect((g.result as PotEvent[]).map((e) => e.type)).toEqual(['FundsAllocated']);
  });

  it('the window is on the server clock, not the business date: an earlier allocation dated long ago still counts', () => {
    given([
      ...funded,
      recorded(REQUESTER, '2026-01-14T09:00:00.000Z', earlier({ effectiveDate: '2025-04-15' })),
    ])
      .when(requesting('200000.00'), { actor: REQUESTER })
      .then([requestedBecauseOfWindow('200000.00', '300000.00')]);
  });

  it('a reversed allocation still counts: reversing gives the money back, not the room under the threshold', () => {
    const history = [
      ...funded,
      recorded(REQUESTER, '2026-01-01T09:00:00.000Z', earlier()),
      recorded(
        REQUESTER,
        '2026-01-02T09:00:00.000Z',
        allocationReversed(
          givenEventId(5),
          '300000.00',
          { [cc]: '180000.00', [police]: '120000.00' },
          { n: 1 },
        ),
      ),
    ];
    given(history)
      .when(requesting('200000.00'), { actor: REQUESTER })
      .then([requestedBecauseOfWindow('200000.00', '300000.00')]);
  });

  it('an allocation made by approval does not count: a second person has seen it', () => {
    const history = [
      ...funded,
      recorded(REQUESTER, '2026-01-01T09:00:00.000Z', allocationRequested('600000.00', { n: 1 })),
      recorded(APPROVER, '2026-01-02T09:00:00.000Z', allocationApproved({ n: 1 })),
      recorded(
        APPROVER,
        '2026-01-02T09:00:00.000Z',
        fundsAllocated('600000.00', { [cc]: '360000.00', [police]: '240000.00' }, { n: 1 }),
      ),
    ];
    for (const actor of [REQUESTER, APPROVER]) {
      const g = given(history).when(requesting('300000.00'), { actor });
      expect((g.result as PotEvent[]).map((e) => e.type)).toEqual(['FundsAllocated']);
    }
  });

  it('a pot without a threshold has no rolling rule either', () => {
    const g = given([
      potOpened(),
      contributionReceived(cc, '900000.00', { n: 1 }),
      interventionDefined(),
      recorded(
        REQUESTER,
        '2026-01-14T09:00:00.000Z',
        fundsAllocated('300000.00', { [cc]: '300000.00' }),
      ),
    ]).when(requesting('300000.00'), { actor: REQUESTER });
    expect((g.result as PotEvent[]).map((e) => e.type)).toEqual(['FundsAllocated']);
  });
});

// ---- the property ------------------------------------------------------------------------------

const THRESHOLD_PENCE = 50_000n;
const MS_PER_DAY = 86_400_000;
const WINDOW_MS = FOUR_EYES_WINDOW_DAYS * MS_PER_DAY;
const REQUESTERS: readonly Actor[] = [REQUESTER, APPROVER];
const INTERVENTIONS = [interventionId(1), interventionId(2)];
const BUSINESS_DATES = ['2025-04-15', '2025-05-01', '2025-12-01', '2026-01-10'];

type Step =
  | {
      kind: 'allocate';
      who: number;
      intervention: number;
      pence: bigint;
      gapMs: number;
      date: number;
    }
  | { kind: 'approve'; pick: number; gapMs: number }
  | { kind: 'reverse'; pick: number; gapMs: number };

const gapMs = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 3 * MS_PER_DAY }),
  fc.integer({ min: 0, max: 40 * MS_PER_DAY }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      who: fc.nat(REQUESTERS.length - 1),
      intervention: fc.nat(INTERVENTIONS.length - 1),
      pence: fc.oneof(
        fc.bigInt(1n, THRESHOLD_PENCE / 3n),
        fc.bigInt(1n, THRESHOLD_PENCE - 1n),
        fc.bigInt(THRESHOLD_PENCE, 3n * THRESHOLD_PENCE),
      ),
      gapMs,
      date: fc.nat(BUSINESS_DATES.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('approve' as const), pick: fc.nat(), gapMs }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat(), gapMs }),
  },
);

const amountText = (pence: bigint) =>
  `${pence / 100n}.${(pence % 100n).toString().padStart(2, '0')}`;
const penceOf = (text: string) => BigInt(text.replace('.', ''));

describe('four-eyes: the rolling window (property)', () => {
  it(`one requester's direct allocations to one intervention recorded within any ${FOUR_EYES_WINDOW_DAYS} days stay below the threshold`, () => {
    let requestedBecauseOfWindowCount = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), (steps) => {
        let state = initialPotState();
        let n = 0;
        let nowMs = Date.parse(NOW);
        const apply = (events: readonly PotEvent[], actor: Actor) => {
          for (const event of events) {
            n += 1;
            state = evolvePot(state, {
              ...event,
              eventId: testUlid(1, n),
              metadata: { actor, recordedAt: new Date(nowMs).toISOString() },
            });
          }
        };
        apply(
          [
            potOpenedWithThreshold(amountText(THRESHOLD_PENCE)),
            contributionReceived(cc, '100000000.00', { n: 1 }),
            interventionDefined({ n: 1 }),
            interventionDefined({ n: 2 }),
          ],
          ADMIN,
        );
        /** Every direct allocation: who, to what, when (server time). */
        const direct: { sub: string; interventionId: string; atMs: number; pence: bigint }[] = [];
        let ids = 0;
        for (const s of steps) {
          ids += 1;
          nowMs += s.gapMs;
          const context = (actor: Actor) =>
            defaultContext({ actor, now: new Date(nowMs).toISOString() });
          if (s.kind === 'allocate') {
            const actor = REQUESTERS[s.who]!;
            const command = {
              potId: POT_ID,
              allocationId: testUlid(7, ids),
              interventionId: INTERVENTIONS[s.intervention]!,
              amount: amountText(s.pence),
              effectiveDate: BUSINESS_DATES[s.date]!,
              reason: 'p',
            };
            const decision = decideAllocateToIntervention(state, command, context(actor));
            if (isRefusal(decision)) throw decision;
            for (const event of decision) {
              if (event.type === 'FundsAllocated')
                direct.push({
                  sub: actor.sub,
                  interventionId: command.interventionId,
                  atMs: nowMs,
                  pence: penceOf(event.data.amount),
                });
              if (event.type === 'AllocationRequested' && event.data.rollingWindow !== undefined)
                requestedBecauseOfWindowCount += 1;
            }
            apply(decision, actor);
          } else if (s.kind === 'approve') {
            const pending = [...state.requests.values()].filter((r) => r.status === 'pending');
            if (pending.length === 0) continue;
            const decision = decideApproveAllocation(
              state,
              { potId: POT_ID, allocationId: pending[s.pick % pending.length]!.allocationId },
              context(ADMIN),
            );
            if (!isRefusal(decision)) apply(decision, ADMIN);
          } else {
            const live = [...state.allocations.values()].filter((a) => !a.reversed);
            if (live.length === 0) continue;
            const decision = decideReverseEntry(
              state,
              { potId: POT_ID, eventId: live[s.pick % live.length]!.eventId, reason: 'p' },
              context(ADMIN),
            );
            if (!isRefusal(decision)) apply(decision, ADMIN);
          }
        }
        // The invariant, over every window that ends at a direct allocation (reversed or not).
        for (const last of direct) {
          const inWindow = direct.filter(
            (d) =>
              d.sub === last.sub &&
              d.interventionId === last.interventionId &&
              d.atMs <= last.atMs &&
              d.atMs > last.atMs - WINDOW_MS,
          );
          const total = inWindow.reduce((sum, d) => sum + d.pence, 0n);
          expect(
            total,
            `${last.sub} on ${last.interventionId} up to ${new Date(last.atMs).toISOString()}`,
          ).toBeLessThan(THRESHOLD_PENCE);
        }
      }),
      { numRuns: 300 },
    );
    // The runs must really reach the rule, or the property says little. (Unseeded runs reach it
    // about 90–130 times in 300; the bound only has to prove it is reached often.)
    expect(requestedBecauseOfWindowCount).toBeGreaterThan(30);
  });
});
