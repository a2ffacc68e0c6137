/**
 * AllocateToIntervention: an allocation draws from the partners in proportion to their
 * unallocated stakes, rounded to pence by largest remainder (ties: agency id ascending), and
 * never exceeds what the pot has available.
 */
import { describe, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import {
  allocate,
  allocationId,
  allocationReversed,
  contributionReceived,
  contributionReversed,
  fundsAllocated,
  interventionDefined,
  potOpened,
  UNKNOWN_ID,
  withEventId,
} from './fixtures.ts';
import { AGENCY, financeOfficerOf, given, testUlid } from './spec.ts';

const { cc, police, probation } = AGENCY;

/** Council 300,000.00 and police 200,000.00 unallocated; probation has paid nothing in. */
const funded = [
  potOpened(),
  contributionReceived(cc, '300000.00', { n: 1 }),
  contributionReceived(police, '200000.00', { n: 2 }),
  interventionDefined(),
];

describe('AllocateToIntervention', () => {
  it('draws from each partner in proportion to its unallocated stake', () => {
    // 10,000,001p × 3/5 = 6,000,000.6p and × 2/5 = 4,000,000.4p: floors 6,000,000 + 4,000,000,
    // and the one penny left goes to the larger remainder (.6, the council).
    given(funded)
      .when((state, context) => decideAllocateToIntervention(state, allocate('100000.01'), context))
      .then([fundsAllocated('100000.01', { [cc]: '60000.01', [police]: '40000.00' }, { n: 100 })]);
  });

  it('breaks a tie between equal remainders by agency id, not by the order partners joined', () => {
    // Partners in joining order: probation, police, council. Stakes 1.00, 1.00, 2.00; 10p
    // splits exactly into 2.5p, 2.5p and 5p: floors 2 + 2 + 5 = 9, one penny left, and
    // police and probation tie at .5: essex-police sorts before essex-probation.
    given([
      potOpened({ hostAgencyId: probation, partnerAgencyIds: [probation, police, cc] }),
      contributionReceived(probation, '1.00', { n: 1 }),
      contributionReceived(police, '1.00', { n: 2 }),
      contributionReceived(cc, '2.00', { n: 3 }),
      interventionDefined(),
    ])
      .when((state, context) => decideAllocateToIntervention(state, allocate('0.10'), context))
      .then([
        fundsAllocated('0.10', { [cc]: '0.05', [police]: '0.03', [probation]: '0.02' }, { n: 100 }),
      ]);
  });

  it('breaks a tie between repeating remainders by agency id, whatever the size of the shares', () => {
    // Stakes 400.00, 100.00, 100.00; 2p splits into 1⅓p, ⅓p and ⅓p: floors 1 + 0 + 0, one
    // penny left, and all three remainders are exactly ⅓: the council (essex-cc) sorts first.
    given([
      potOpened(),
      contributionReceived(cc, '400.00', { n: 1 }),
      contributionReceived(police, '100.00', { n: 2 }),
      contributionReceived(probation, '100.00', { n: 3 }),
      interventionDefined(),
    ])
      .when((state, context) => decideAllocateToIntervention(state, allocate('0.02'), context))
      .then([fundsAllocated('0.02', { [cc]: '0.02' }, { n: 100 })]);
  });

  it('gives no share to a partner with no unallocated stake', () => {
    given([potOpened(), contributionReceived(police, '80.00'), interventionDefined()])
      .when((state, context) => decideAllocateToIntervention(state, allocate('50.00'), context))
      .then([fundsAllocated('50.00', { [police]: '50.00' }, { n: 100 })]);
  });

  it('writes the amount to two decimal places', () => {
    given(funded)
      .when((state, context) => decideAllocateToIntervention(state, allocate('5'), context))
      .then([fundsAllocated('5.00', { [cc]: '3.00', [police]: '2.00' }, { n: 100 })]);
  });

  it('may allocate exactly what is available, emptying every stake', () => {
    given(funded)
      .when((state, context) => decideAllocateToIntervention(state, allocate('500000.00'), context))
      .then([
        fundsAllocated('500000.00', { [cc]: '300000.00', [police]: '200000.00' }, { n: 100 }),
      ]);
  });

  it('refuses more than is available (INSUFFICIENT_FUNDS), saying what was asked and what there is', () => {
    given(funded)
      .when((state, context) => decideAllocateToIntervention(state, allocate('500000.01'), context))
      .thenRefuses('INSUFFICIENT_FUNDS', { requested: '500000.01', available: '500000.00' });
  });

  it('refuses any allocation from a pot nobody has paid into (INSUFFICIENT_FUNDS)', () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) => decideAllocateToIntervention(state, allocate('0.01'), context))
      .thenRefuses('INSUFFICIENT_FUNDS', { requested: '0.01', available: '0.00' });
  });

  it('draws a second allocation from the stakes the first one left', () => {
    // Council 300.00 and police 100.00; the first 200.00 drew 150.00 and 50.00, leaving 150.00
    // and 50.00; the police then pay in 100.00: 150.00 each, so the next 100.00 splits evenly
    // (contributions alone, 300 : 200, would have split it 60 : 40).
    given([
      potOpened(),
      contributionReceived(cc, '300.00', { n: 1 }),
      contributionReceived(police, '100.00', { n: 2 }),
      interventionDefined(),
      fundsAllocated('200.00', { [cc]: '150.00', [police]: '50.00' }, { n: 1 }),
      contributionReceived(police, '100.00', { n: 3 }),
    ])
      .when((state, context) => decideAllocateToIntervention(state, allocate('100.00'), context))
      .then([fundsAllocated('100.00', { [cc]: '50.00', [police]: '50.00' }, { n: 100 })]);
  });

  it('counts the shares of a reversed allocation as unallocated again', () => {
    const allocationEventId = testUlid(7, 1);
    given([
      potOpened(),
      contributionReceived(cc, '300.00', { n: 1 }),
      contributionReceived(police, '100.00', { n: 2 }),
      interventionDefined(),
      withEventId(
        allocationEventId,
        fundsAllocated('400.00', { [cc]: '300.00', [police]: '100.00' }, { n: 1 }),
      ),
      allocationReversed(
        allocationEventId,
        '400.00',
        { [cc]: '300.00', [police]: '100.00' },
        { n: 1 },
      ),
    ])
      .when((state, context) =>
        decideAllocateToIntervention(
          state,
          allocate('400.00', { allocationId: allocationId(2) }),
          context,
        ),
      )
      .then([fundsAllocated('400.00', { [cc]: '300.00', [police]: '100.00' }, { n: 2 })]);
  });

  it('no longer counts a reversed contribution as available', () => {
    const policeContribution = testUlid(7, 2);
    given([
      potOpened(),
      contributionReceived(cc, '300.00', { n: 1 }),
      withEventId(policeContribution, contributionReceived(police, '200.00', { n: 2 })),
      contributionReversed(policeContribution, police, '200.00', { n: 2 }),
      interventionDefined(),
    ])
      .when((state, context) => decideAllocateToIntervention(state, allocate('300.01'), context))
      .thenRefuses('INSUFFICIENT_FUNDS', { requested: '300.01', available: '300.00' });
  });

  it('refuses an intervention the pot does not have (NOT_FOUND)', () => {
    given(funded)
      .when((state, context) =>
        decideAllocateToIntervention(
          state,
          allocate('1.00', { interventionId: UNKNOWN_ID }),
          context,
        ),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('lets a finance officer of a partner allocate', () => {
    given(funded)
      .when((state, context) => decideAllocateToIntervention(state, allocate('5.00'), context), {
        actor: financeOfficerOf(police),
      })
      .then([fundsAllocated('5.00', { [cc]: '3.00', [police]: '2.00' }, { n: 100 })]);
  });

  it('refuses a finance officer whose agency is not a partner (FORBIDDEN)', () => {
    given(funded)
      .when((state, context) => decideAllocateToIntervention(state, allocate('5.00'), context), {
        actor: financeOfficerOf(AGENCY.nhs),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a pot that has not been opened (NOT_FOUND)', () => {
    given([])
      .when((state, context) => decideAllocateToIntervention(state, allocate('5.00'), context))
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a closed pot (POT_CLOSED)', () => {
    const spec = given(funded);
    spec.state.status = 'closed';
    spec
      .when((state, context) => decideAllocateToIntervention(state, allocate('5.00'), context))
      .thenRefuses('POT_CLOSED');
  });
});
