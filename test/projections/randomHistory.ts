/**
 * Random VALID histories for property tests: the generator plays the deciders' part (a small
 * reference model of stakes and funding, splitting by largest remainder), so every history is
 * one the ledger could really have written. Effective dates are drawn from a few around a
 * year end and need not follow the log order (entries may be backdated); reversals are dated
 * after every original, as the decider requires.
 */
import fc from 'fast-check';
import type { Money } from '../../events/money.ts';
import {
  formatAmount,
  fromPence,
  money,
  splitLargestRemainder,
  sum,
  toPence,
  ZERO,
} from '../../events/money.ts';
import type { Benefit, BenefitFlow } from '../../events/pot.ts';
import type { Of } from './envelopes.ts';
import { createHistory } from './envelopes.ts';

export const PARTNERS = ['a-council', 'b-police', 'c-health'] as const;
export const AGENCIES = [...PARTNERS, 'd-dwp'] as const;
export const DATES = [
  '2025-03-30',
  '2025-03-31',
  '2025-04-01',
  '2026-03-31',
  '2026-04-01',
] as const;
const INTERVENTIONS = 2;

type Op =
  | { kind: 'contribute'; agency: number; pence: number; date: number }
  | { kind: 'allocate'; intervention: number; perMille: number; date: number }
  | { kind: 'reverseContribution'; pick: number }
  | { kind: 'reverseAllocation'; pick: number }
  | {
      kind: 'outcome';
      intervention: number;
      lines: { agency: number; pence: number; cashable: boolean }[];
      date: number;
    }
  | { kind: 'retract'; pick: number };

const date = fc.nat(DATES.length - 1);
// Money in and out more often than corrections, so histories get far enough to have outcomes.
export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      agency: fc.nat(PARTNERS.length - 1),
      pence: fc.integer({ min: 1, max: 100_000_000 }),
      date,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      intervention: fc.nat(INTERVENTIONS - 1),
      perMille: fc.integer({ min: 1, max: 1000 }),
      date,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reverseContribution' as const), pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reverseAllocation' as const), pick: fc.nat() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('outcome' as const),
      intervention: fc.nat(INTERVENTIONS - 1),
      lines: fc.array(
        fc.record({
          agency: fc.nat(AGENCIES.length - 1),
          pence: fc.integer({ min: 1, max: 50_000_000 }),
          cashable: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      date,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retract' as const), pick: fc.nat() }) },
);

/** Plays the ops as the deciders would, skipping any the rules would refuse. */
export function historyOf(ops: readonly Op[]) {
  const h = createHistory();
  for (const agencyId of AGENCIES) h.registerAgency(agencyId, `Agency ${agencyId}`, 'other');
  const potId = h.openPot({
    name: 'Pool',
    area: 'Somewhere',
    hostAgencyId: 'a-council',
    partnerAgencyIds: ['b-police', 'a-council'],
  }).data.potId;
  h.joinPartner(potId, 'c-health');
  const interventionIds = Array.from(
    { length: INTERVENTIONS },
    (_, i) => h.defineIntervention(potId, `Intervention ${i}`, 'a-council').data.interventionId,
  );

  const stakes = new Map<string, Money>(PARTNERS.map((a) => [a, ZERO]));
  const funding = interventionIds.map(() => new Map<string, Money>(PARTNERS.map((a) => [a, ZERO])));
  const contributions: Of<'ContributionReceived'>[] = [];
  const allocations: Of<'FundsAllocated'>[] = [];
  const outcomes: Of<'OutcomeRecorded'>[] = [];
  const add = (map: Map<string, Money>, key: string, amount: Money) =>
    map.set(key, (map.get(key) ?? ZERO).plus(amount));
  const weightsOf = (map: Map<string, Money>) =>
    [...map].filter(([, w]) => w.gt(0)).map(([key, weight]) => ({ key, weight }));
  const take = <T>(list: T[], pick: number): T | undefined =>
    list.length === 0 ? undefined : list.splice(pick % list.length, 1)[0];

  for (const op of ops) {
    switch (op.kind) {
      case 'contribute': {
        const agencyId = PARTNERS[op.agency]!;
        const amount = fromPence(BigInt(op.pence));
        contributions.push(
          h.contribute(
            potId,
            agencyId,
            formatAmount(amount),
            DATES[op.date]!,
            `REF-${contributions.length}`,
          ),
        );
        add(stakes, agencyId, amount);
        break;
      }
      case 'allocate': {
        const available = sum(stakes.values());
        const amount = fromPence((toPence(available) * BigInt(op.perMille)) / 1000n);
        if (amount.isZero()) break;
        const shares = splitLargestRemainder(amount, weightsOf(stakes)).filter((p) =>
          p.amount.gt(0),
        );
        const shareMap = Object.fromEntries(shares.map((p) => [p.key, formatAmount(p.amount)]));
        allocations.push(
          h.allocate(
            potId,
            interventionIds[op.intervention]!,
            shareMap,
            DATES[op.date]!,
            'Random allocation',
          ),
        );
        for (const p of shares) {
          add(stakes, p.key, p.amount.negated());
          add(funding[op.intervention]!, p.key, p.amount);
        }
        break;
      }
      case 'reverseContribution': {
        // A reversal that would take the stake below zero is refused (INSUFFICIENT_FUNDS).
        const candidates = contributions.filter((c) =>
          stakes.get(c.data.agencyId)!.gte(money(c.data.amount)),
        );
        const original = take(candidates, op.pick);
        if (original === undefined) break;
        contributions.splice(contributions.indexOf(original), 1);
        h.reverseContribution(original, 'Random reversal', '2026-06-01');
        add(stakes, original.data.agencyId, money(original.data.amount).negated());
        break;
      }
      case 'reverseAllocation': {
        const original = take(allocations, op.pick);
        if (original === undefined) break;
        h.reverseAllocation(original, 'Random reversal', '2026-06-01');
        const i = interventionIds.indexOf(original.data.interventionId);
        for (const s of original.data.fundingShares) {
          add(stakes, s.agencyId, money(s.amount));
          add(funding[i]!, s.agencyId, money(s.amount).negated());
        }
        break;
      }
      case 'outcome': {
        const weights = weightsOf(funding[op.intervention]!);
        if (weights.length === 0) break; // UNFUNDED_INTERVENTION
        const benefits: Benefit[] = op.lines.map((l) => ({
          agencyId: AGENCIES[l.agency]!,
          amount: formatAmount(fromPence(BigInt(l.pence))),
          cashable: l.cashable,
        }));
        const flows: BenefitFlow[] = benefits.flatMap((b) =>
          splitLargestRemainder(money(b.amount), weights)
            .filter((p) => p.amount.gt(0))
            .map((p) => ({
              fromAgencyId: p.key,
              toAgencyId: b.agencyId,
              amount: formatAmount(p.amount),
              cashable: b.cashable,
            })),
        );
        outcomes.push(
          h.recordOutcome(potId, interventionIds[op.intervention]!, {
            description: 'Random outcome',
            effectiveDate: DATES[op.date]!,
            benefits,
            flows,
          }),
        );
        break;
      }
      case 'retract': {
        const original = take(outcomes, op.pick);
        if (original !== undefined) h.retractOutcome(original, 'Random retraction', '2026-06-01');
        break;
      }
    }
  }
  return { events: h.events, potId, stakes };
}

export const opsArbitrary = fc.array(opArbitrary, { minLength: 5, maxLength: 40, size: 'medium' });
