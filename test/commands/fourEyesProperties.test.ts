/**
 * Money stays exact whenever approvals happen: over random sequences of contributions, direct
 * allocations, requests, approvals (at any time, with stakes that moved since the request),
 * rejections and reversals, ending with the pot's close —
 * - every FundsAllocated's funding shares sum to its amount exactly;
 * - no stake is ever below zero, and available equals the sum of stakes (evolvePot asserts
 *   both after every money event; this test re-checks them in bigint pence);
 * - a pending request changes neither available nor any stake;
 * - the close's returns sum to what was available, and leave every stake and available at zero.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideClosePot } from '../../commands/closePot.ts';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import {
  decideApproveAllocation,
  decideRejectAllocation,
} from '../../commands/decideAllocationRequest.ts';
import { isRefusal, type Decision } from '../../commands/decision.ts';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import { available, evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import type { Actor } from '../../events/index.ts';
import type { PotEvent } from '../../events/pot.ts';
import { potControlEventSchemas } from '../../events/potControls.ts';
import { potEventSchemas } from '../../events/pot.ts';
import { contributionReceived, interventionDefined, POT_ID } from './fixtures.ts';
import { potOpenedWithThreshold } from './controlFixtures.ts';
import { ADMIN, AGENCY, defaultContext, financeOfficerOf, testUlid } from './spec.ts';

const PARTNERS = [AGENCY.cc, AGENCY.police, AGENCY.probation] as const;
/** Low enough that random allocations often cross it. */
const THRESHOLD_PENCE = 50_000n;
const REQUESTER: Actor = financeOfficerOf(AGENCY.police);
const APPROVERS: readonly Actor[] = [financeOfficerOf(AGENCY.cc), ADMIN];

type Step =
  | { kind: 'contribute'; agency: number; pence: bigint }
  | { kind: 'allocate'; pence: bigint }
  | { kind: 'approve'; pick: number; approver: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'reverse'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      agency: fc.nat(PARTNERS.length - 1),
      pence: fc.oneof(fc.bigInt(1n, 100n), fc.bigInt(50_000n, 500_000n)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      pence: fc.oneof(fc.bigInt(1n, THRESHOLD_PENCE - 1n), fc.bigInt(THRESHOLD_PENCE, 150_000n)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('approve' as const),
      pick: fc.nat(),
      approver: fc.nat(APPROVERS.length - 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
);

function penceOf(text: string): bigint {
  const [whole, fraction = '0'] = text.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}
const amountText = (pence: bigint) =>
  `${pence / 100n}.${(pence % 100n).toString().padStart(2, '0')}`;
const stakesPence = (state: PotState) =>
  [...state.stakes.values()].map((s) => penceOf(s.toFixed(2)));
const schemas: Record<string, { parse(data: unknown): unknown }> = {
  ...potEventSchemas,
  ...potControlEventSchemas,
};

describe('four-eyes approval keeps money exact (property)', () => {
  it('shares sum to amounts, stakes never go negative, available = sum of stakes, close returns all of it', () => {
    // The runs must really exercise approvals and closes with money left, or the property says little.
    let approvals = 0;
    let closesWithReturns = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }), (steps) => {
        let state = initialPotState();
        let n = 0;
        const apply = (events: readonly PotEvent[]) => {
          for (const event of events) {
            schemas[event.type]!.parse(event.data);
            n += 1;
            state = evolvePot(state, { ...event, eventId: testUlid(1, n) });
          }
        };
        apply([potOpenedWithThreshold(amountText(THRESHOLD_PENCE)), interventionDefined()]);
        let ids = 0;
        const decide = (decision: Decision<PotEvent>) => {
          if (isRefusal(decision)) return;
          const availableBefore = available(state).toFixed(2);
          const stakesBefore = stakesPence(state);
          for (const event of decision) {
            if (event.type === 'FundsAllocated') {
              const shares = event.data.fundingShares.reduce(
                (total, share) => total + penceOf(share.amount),
                0n,
              );
              expect(shares).toBe(penceOf(event.data.amount));
            }
          }
          if (decision.some((e) => e.type === 'AllocationApproved')) approvals += 1;
          apply(decision);
          if (
            decision.every(
              (e) =>
                e.type === 'AllocationRequested' ||
                e.type === 'AllocationRejected' ||
                e.type === 'SelfApprovalAttempted',
            )
          ) {
            expect(available(state).toFixed(2)).toBe(availableBefore);
            expect(stakesPence(state)).toEqual(stakesBefore);
          }
        };
        for (const s of steps) {
          ids += 1;
          const allocationId = testUlid(7, ids);
          const pending = [...state.requests.values()].filter((r) => r.status === 'pending');
          switch (s.kind) {
            case 'contribute':
              decide(
                decideContributeToPot(
                  state,
                  {
                    ...contributionReceived(PARTNERS[s.agency]!, amountText(s.pence)).data,
                    contributionId: testUlid(6, ids),
                  },
                  defaultContext({ actor: financeOfficerOf(PARTNERS[s.agency]!) }),
                ),
              );
              break;
            case 'allocate':
              decide(
                decideAllocateToIntervention(
                  state,
                  {
                    potId: POT_ID,
                    allocationId,
                    interventionId: interventionDefined().data.interventionId,
                    amount: amountText(s.pence),
                    effectiveDate: '2025-05-01',
                    reason: 'p',
                  },
                  defaultContext({ actor: REQUESTER }),
                ),
              );
              break;
            case 'approve':
              if (pending.length > 0) {
                const target = pending[s.pick % pending.length]!;
                decide(
                  decideApproveAllocation(
                    state,
                    { potId: POT_ID, allocationId: target.allocationId },
                    defaultContext({ actor: APPROVERS[s.approver]! }),
                  ),
                );
              }
              break;
            case 'reject':
              if (pending.length > 0) {
                const target = pending[s.pick % pending.length]!;
                decide(
                  decideRejectAllocation(
                    state,
                    { potId: POT_ID, allocationId: target.allocationId, reason: 'p' },
                    defaultContext(),
                  ),
                );
              }
              break;
            case 'reverse': {
              const live = [...state.allocations.values()].filter((a) => !a.reversed);
              if (live.length > 0)
                decide(
                  decideReverseEntry(
                    state,
                    { potId: POT_ID, eventId: live[s.pick % live.length]!.eventId, reason: 'p' },
                    defaultContext(),
                  ),
                );
              break;
            }
          }
          const stakes = stakesPence(state);
          expect(stakes.every((p) => p >= 0n)).toBe(true);
          expect(stakes.reduce((a, b) => a + b, 0n)).toBe(penceOf(available(state).toFixed(2)));
        }
        // Decide what is still pending, then close: the returns are everything that was available.
        for (const r of [...state.requests.values()].filter((x) => x.status === 'pending')) {
          decide(
            decideRejectAllocation(
              state,
              { potId: POT_ID, allocationId: r.allocationId, reason: 'closing' },
              defaultContext(),
            ),
          );
        }
        const availableBefore = penceOf(available(state).toFixed(2));
        const closed = decideClosePot(state, { potId: POT_ID, reason: 'end' }, defaultContext());
        if (isRefusal(closed)) throw closed;
        const returns = closed.flatMap((e) => (e.type === 'PotClosed' ? e.data.returns : []));
        expect(returns.reduce((total, r) => total + penceOf(r.amount), 0n)).toBe(availableBefore);
        if (returns.length > 0) closesWithReturns += 1;
        apply(closed);
        expect(available(state).isZero()).toBe(true);
        expect(stakesPence(state).every((p) => p === 0n)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(approvals).toBeGreaterThan(50);
    expect(closesWithReturns).toBeGreaterThan(50);
  });
});
