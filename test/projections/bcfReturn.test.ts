/**
 * The Better Care Fund return and monitoring's minimums, example by example: a reversed stream
 * contribution leaves its stream, a replaced record of minimums replaces them whole, received is
 * counted to the quarter's end, and a pot that is not a BCF pot has neither.
 */
import { describe, expect, it } from 'vitest';
import type { FundingSource } from '../../events/poolYear.ts';
import { foldAll } from '../../projections/projection.ts';
import { poolYearProjection } from '../../projections/poolYear.ts';
import { monitoringReport } from '../../projections/poolYearReports.ts';
import { bcfReturn } from '../../projections/bcfReturn.ts';
import { emptyAuditNames, rememberNames, summarise } from '../../projections/auditSummary.ts';
import { createHistory } from './envelopes.ts';
import { poolYearBuilders } from './poolYearFixtures.ts';

const SOURCE = 'BCF 2025-26 allocations, DHSC/MHCLG';

function bcfHistory(betterCareFund = true) {
  const h = createHistory();
  const b = poolYearBuilders(h);
  const potId = h.openPot({
    name: 'BCF',
    area: 'Mid Essex',
    hostAgencyId: 'essex-cc',
    partnerAgencyIds: ['essex-police'],
  }).data.potId;
  b.agree(potId, 1, betterCareFund ? { betterCareFund: { healthAndWellbeingBoard: 'Essex' } } : {});
  const contribute = (
    agencyId: string,
    amount: string,
    date: string,
    fundingStream: FundingSource,
  ) =>
    h.append({
      type: 'ContributionReceived',
      data: {
        potId,
        contributionId: h.id(),
        agencyId,
        amount,
        effectiveDate: date,
        reference: 'C',
        fundingStream,
      },
    });
  const minimums = (version: number, nhs: string) =>
    h.append({
      type: 'BcfMinimumsRecorded',
      data: {
        potId,
        financialYear: '2025-26',
        version,
        minimums: [
          { fundingStream: 'nhs-minimum', agencyId: 'essex-police', amount: nhs, source: SOURCE },
          { fundingStream: 'dfg', agencyId: 'essex-cc', amount: '100.00', source: SOURCE },
        ],
      },
    });
  return { h, potId, contribute, minimums };
}

describe('Better Care Fund monitoring and return', () => {
  it('received counts to the quarter end; a reversal leaves the stream; the latest minimums apply', () => {
    const { h, potId, contribute, minimums } = bcfHistory();
    minimums(1, '1000.00');
    minimums(2, '900.00');
    contribute('essex-police', '600.00', '2025-05-01', 'nhs-minimum');
    contribute('essex-police', '300.00', '2025-11-01', 'nhs-minimum');
    const dfg = contribute('essex-cc', '100.00', '2025-05-01', 'dfg');
    h.reverseContribution(dfg as never, 'paid twice', '2025-06-01');
    const books = foldAll(poolYearProjection, h.events);
    expect(monitoringReport(books, potId, '2025-26', 2)!.minimums).toEqual([
      {
        fundingStream: 'nhs-minimum',
        agencyId: 'essex-police',
        required: '900.00',
        received: '600.00',
        shortfall: '300.00',
        flagged: true,
      },
      {
        fundingStream: 'dfg',
        agencyId: 'essex-cc',
        required: '100.00',
        received: '0.00',
        shortfall: '100.00',
        flagged: true,
      },
    ]);
    expect(monitoringReport(books, potId, '2025-26', 3)!.minimums![0]).toMatchObject({
      received: '900.00',
      flagged: false,
    });
    const ret = bcfReturn(books, potId, '2025-26');
    expect(ret).toMatchObject({
      healthAndWellbeingBoard: 'Essex',
      income: [
        { fundingStream: 'dfg', planned: '100.00', actual: '0.00' },
        { fundingStream: 'nhs-minimum', planned: '900.00', actual: '900.00' },
      ],
      expenditure: [],
      totals: {
        incomePlanned: '1000.00',
        incomeActual: '900.00',
        expenditurePlanned: '0.00',
        expenditureActual: '0.00',
      },
    });
  });

  it('a pot that is not a Better Care Fund pot: no minimums in monitoring, no return', () => {
    const { h, potId } = bcfHistory(false);
    const books = foldAll(poolYearProjection, h.events);
    expect('minimums' in monitoringReport(books, potId, '2025-26', 4)!).toBe(false);
    expect(bcfReturn(books, potId, '2025-26')).toBe('not-bcf');
    expect(bcfReturn(books, '01ARZ3NDEKTSV4RRFFQ69G5FAV', '2025-26')).toBeNull();
  });

  it('the audit trail reads the minimums, the designation and a contribution’s stream', () => {
    const { h, contribute, minimums } = bcfHistory();
    contribute('essex-police', '600.00', '2025-05-01', 'nhs-minimum');
    minimums(1, '1000.00');
    const names = emptyAuditNames();
    const texts = h.events.map((event) => {
      rememberNames(names, event);
      return summarise(names, event);
    });
    expect(texts.find((t) => t.includes('recorded agreement'))).toContain(
      'the Better Care Fund pot of Essex Health and Wellbeing Board',
    );
    expect(texts.find((t) => t.includes('recorded a contribution'))).toContain(
      'Better Care Fund stream nhs-minimum',
    );
    expect(texts.at(-1)).toMatch(
      /recorded the Better Care Fund minimums of .* for 2025-26 \(version 1\): nhs-minimum £1,000\.00 from .*, dfg £100\.00 from /,
    );
  });
});
