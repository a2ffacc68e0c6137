/**
 * A Better Care Fund pot on the Essex scenario's ledger: Essex County Council hosts, Essex
 * Police stands in for the ICB (the scenario's registered partners); an agreement naming the
 * Mid Essex Health and Wellbeing Board, tracking spend.
 */
import { expectWritten, type Ctx } from './helpers.ts';
import { AGREEMENT } from '../projections/poolYearFixtures.ts';

export const BCF_MINIMUMS = {
  financialYear: '2025-26',
  minimums: [
    {
      fundingStream: 'nhs-minimum',
      agencyId: 'essex-police',
      amount: '60000.00',
      source: 'BCF 2025-26 allocations, DHSC/MHCLG',
    },
    {
      fundingStream: 'dfg',
      agencyId: 'essex-cc',
      amount: '20000.00',
      source: 'BCF 2025-26 allocations, DHSC/MHCLG',
    },
  ],
};

export async function openBcfPot(c: Ctx): Promise<string> {
  const pot = expectWritten(
    await c.ledger.post('/v1/pots', c.tokens.admin, {
      name: 'Mid Essex Better Care Fund',
      area: 'Mid Essex',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police'],
    }),
    ['potId'],
  );
  const potId = pot.potId as string;
  expectWritten(
    await c.ledger.post(`/v1/pots/${potId}/agreements`, c.tokens.admin, {
      ...AGREEMENT,
      betterCareFund: { healthAndWellbeingBoard: 'Mid Essex' },
    }),
    ['version'],
  );
  return potId;
}
