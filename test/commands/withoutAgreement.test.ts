/**
 * A pot without an agreement, or whose agreement has spendTracking off, behaves exactly as it
 * always has: an allocation counts as money spent, and contributions, allocations, reversals,
 * year-end and close decide the same events as on a pot that never heard of the pooled-fund year.
 */
import { describe, expect, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideCloseFinancialYear } from '../../commands/closeFinancialYear.ts';
import { decideClosePot } from '../../commands/closePot.ts';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import type { CommandContext } from '../../commands/context.ts';
import type { Decision } from '../../commands/decision.ts';
import type { PotState } from '../../commands/potState.ts';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import type { PotEvent } from '../../events/pot.ts';
import {
  allocate,
  contribute,
  contributionReceived,
  fundsAllocated,
  POT_ID,
  reverse,
} from './fixtures.ts';
import { AFTER_YEAR_END } from './controlFixtures.ts';
import { agreementRecorded, fundedWithoutAgreement } from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId } from './spec.ts';

const { cc, police } = AGENCY;

type Decide = (state: PotState, context: CommandContext) => Decision<PotEvent>;

const commands: [string, Decide, Partial<CommandContext>?][] = [
  ['a contribution', (s, c) => decideContributeToPot(s, contribute(police, '5000.00'), c)],
  [
    'a contribution in the next year',
    (s, c) => decideContributeToPot(s, contribute(cc, '5.00', { effectiveDate: '2026-04-02' }), c),
    { actor: financeOfficerOf(cc) },
  ],
  ['an allocation', (s, c) => decideAllocateToIntervention(s, allocate('2500.00'), c)],
  [
    'an allocation beyond what is available',
    (s, c) => decideAllocateToIntervention(s, allocate('600000.00'), c),
  ],
  ['a contribution reversal', (s, c) => decideReverseEntry(s, reverse(givenEventId(3)), c)],
  ['an allocation reversal', (s, c) => decideReverseEntry(s, reverse(givenEventId(5)), c)],
  [
    'closing a year with budgets and no settlement',
    (s, c) => decideCloseFinancialYear(s, { potId: POT_ID, financialYear: '2025-26' }, c),
    { now: AFTER_YEAR_END },
  ],
  ['closing the pot', (s, c) => decideClosePot(s, { potId: POT_ID, reason: 'Programme ended' }, c)],
];

const histories: [string, PotEvent[]][] = [
  ['no agreement', fundedWithoutAgreement],
  [
    'an agreement with spendTracking off',
    [...fundedWithoutAgreement, agreementRecorded({ spendTracking: false })],
  ],
];

describe('a pot without spend tracking decides as before', () => {
  for (const [what, decide, context] of commands) {
    it(`${what}: the same decision with no agreement and with spendTracking off`, () => {
      const baseline = given(fundedWithoutAgreement).when(decide, context).result;
      for (const [, history] of histories) {
        expect(given(history).when(decide, context).result).toEqual(baseline);
      }
    });
  }

  it('with spend tracking on, contributions and allocations still decide the same events', () => {
    for (const [, decide, context] of commands.slice(0, 4)) {
      const baseline = given(fundedWithoutAgreement).when(decide, context).result;
      expect(
        given([...fundedWithoutAgreement, agreementRecorded()]).when(decide, context).result,
      ).toEqual(baseline);
    }
  });

  it('an allocation decides exactly the event it always did: the pot counts it as spent', () => {
    given(fundedWithoutAgreement)
      .when((s, c) => decideAllocateToIntervention(s, allocate('2500.00'), c))
      .then([fundsAllocated('2500.00', { [cc]: '1500.00', [police]: '1000.00' }, { n: 100 })]);
  });

  it('a contribution decides exactly the event it always did', () => {
    given(fundedWithoutAgreement)
      .when((s, c) => decideContributeToPot(s, contribute(police, '5000.00'), c))
      .then([contributionReceived(police, '5000.00', { n: 100 })]);
  });

  it('a risk-share payment is refused: there is no settled year', () => {
    given(fundedWithoutAgreement)
      .when(
        (s, c) =>
          decideContributeToPot(
            s,
            contribute(cc, '5.00', { riskShareFor: '2025-26', effectiveDate: '2026-04-10' }),
            c,
          ),
        { now: AFTER_YEAR_END },
      )
      .thenRefuses('VALIDATION_FAILED');
  });
});
