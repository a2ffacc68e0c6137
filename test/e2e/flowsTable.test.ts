import { describe, expect, it } from 'vitest';
import type { FlowsMatrixView } from '../../projections/benefitFlows.ts';
import {
  formatReturnPerPound,
  formatShare,
  renderAgencyReturns,
  renderFlowsMatrix,
  renderTable,
  wrapWords,
  wrongPocketHeadline,
} from '../../src/demo/flowsTable.ts';

const agencies = [
  { agencyId: 'essex-cc', name: 'Essex County Council' },
  { agencyId: 'essex-police', name: 'Essex Police' },
  { agencyId: 'nhs-mid-essex', name: 'NHS Mid Essex' },
];

/** Council put in 300,000 and police 100,000; the benefits land with the police and the NHS. */
const flows: Pick<FlowsMatrixView, 'rows' | 'agencies'> = {
  rows: [
    {
      fromAgencyId: 'essex-cc',
      toAgencyId: 'essex-police',
      amount: '37359.00',
      cashableAmount: '37359.00',
    },
    {
      fromAgencyId: 'essex-cc',
      toAgencyId: 'nhs-mid-essex',
      amount: '1234.50',
      cashableAmount: '0.00',
    },
    {
      fromAgencyId: 'essex-police',
      toAgencyId: 'essex-police',
      amount: '12453.00',
      cashableAmount: '12453.00',
    },
  ],
  agencies: [
    {
      agencyId: 'essex-cc',
      invested: '300000.00',
      benefitsProduced: '38593.50',
      benefitsReceived: '0.00',
      returnPerPound: '0.1286',
      wrongPocketShare: '1.0000',
    },
    {
      agencyId: 'essex-police',
      invested: '100000.00',
      benefitsProduced: '12453.00',
      benefitsReceived: '49812.00',
      returnPerPound: '0.1245',
      wrongPocketShare: '0.0000',
    },
    {
      agencyId: 'nhs-mid-essex',
      invested: '0.00',
      benefitsProduced: '0.00',
      benefitsReceived: '1234.50',
      returnPerPound: null,
      wrongPocketShare: null,
    },
  ],
};

describe('the flows matrix', () => {
  it('puts investors in rows and beneficiaries in columns, in pounds, with totals both ways', () => {
    expect(renderFlowsMatrix(flows, agencies)).toBe(
      [
        '                                 Essex    NHS Mid       Total',
        'Investor ↓ / beneficiary →      Police      Essex    produced',
        '--------------------------  ----------  ---------  ----------',
        'Essex County Council        £37,359.00  £1,234.50  £38,593.50',
        'Essex Police                £12,453.00          -  £12,453.00',
        '--------------------------  ----------  ---------  ----------',
        'Total received              £49,812.00  £1,234.50  £51,046.50',
      ].join('\n'),
    );
  });

  it('names agencies it was not told about by their id, after the known ones', () => {
    const table = renderFlowsMatrix(
      {
        rows: [
          {
            fromAgencyId: 'zz-unknown',
            toAgencyId: 'essex-police',
            amount: '1.00',
            cashableAmount: '0.00',
          },
          ...flows.rows,
        ],
        agencies: flows.agencies,
      },
      agencies,
    );
    const labels = table.split('\n').map((line) => line.split('  ')[0]);
    expect(labels.slice(3, 6)).toEqual(['Essex County Council', 'Essex Police', 'zz-unknown']);
  });

  it('says so when nothing has flowed yet', () => {
    expect(renderFlowsMatrix({ rows: [], agencies: [] }, agencies)).toBe(
      'No benefit flows recorded yet.',
    );
  });
});

describe('the per-agency returns', () => {
  it('shows invested, produced, received, cashable received, return per £1 and wrong-pocket share', () => {
    const lines = renderAgencyReturns(flows, agencies).split('\n');
    const council = lines.find((line) => line.startsWith('Essex County Council'))!;
    expect(council.split(/\s{2,}/)).toEqual([
      'Essex County Council',
      '£300,000.00',
      '£38,593.50',
      '£0.00',
      '£0.00',
      '£0.13',
      '100.0%',
    ]);
    const police = lines.find((line) => line.startsWith('Essex Police'))!;
    expect(police.split(/\s{2,}/)).toEqual([
      'Essex Police',
      '£100,000.00',
      '£12,453.00',
      '£49,812.00',
      '£49,812.00',
      '£0.12',
      '0.0%',
    ]);
    const nhs = lines.find((line) => line.startsWith('NHS Mid Essex'))!;
    expect(nhs.split(/\s{2,}/)).toEqual([
      'NHS Mid Essex',
      '£0.00',
      '£0.00',
      '£1,234.50',
      '£0.00',
      'n/a',
      'n/a',
    ]);
  });

  it('formats ratios as a person reads them', () => {
    expect(formatReturnPerPound('10.0050')).toBe('£10.01');
    expect(formatReturnPerPound(null)).toBe('n/a');
    expect(formatShare('0.8750')).toBe('87.5%');
    expect(formatShare('0.0001')).toBe('0.0%');
  });
});

describe('the headline', () => {
  it('says what the partner put in and received, and what the host money produced for others', () => {
    expect(
      wrongPocketHeadline({
        flows,
        partner: { agencyId: 'essex-police', name: 'Essex Police', contributed: '100000.00' },
        host: { agencyId: 'essex-cc', label: 'the council' },
      }),
    ).toBe(
      "Essex Police put in £100,000.00 and received £49,812.00 of benefit; £38,593.50 of what the council's money produced landed in other agencies' budgets.",
    );
  });
});

describe('plain-text tables', () => {
  it('wraps long headers to the width of the figures and bottom-aligns them', () => {
    expect(
      renderTable(
        [
          { header: 'Name', align: 'left' },
          { header: 'Department for Work and Pensions', align: 'right' },
        ],
        [['a', '£1,000.00']],
      ),
    ).toBe(
      [
        '      Department',
        '        for Work',
        '             and',
        'Name    Pensions',
        '----  ----------',
        'a      £1,000.00',
      ].join('\n'),
    );
  });

  it('wraps words greedily and keeps a long word whole', () => {
    expect(wrapWords('NHS Mid Essex', 7)).toEqual(['NHS Mid', 'Essex']);
    expect(wrapWords('Supercalifragilistic x', 5)).toEqual(['Supercalifragilistic', 'x']);
    expect(wrapWords('', 5)).toEqual(['']);
  });
});
