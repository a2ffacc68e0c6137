/**
 * The outcome-by-quantity preview: what the form shows before sending must be what the ledger
 * records (commands/valueOutcomeLines.ts), penny for penny, and who receives each part.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { valueOutcomeLines } from '../../commands/valueOutcomeLines.ts';
import { DomainError } from '../../commands/domainError.ts';
import type { AgencyKind } from '../../events/primitives.ts';
import type { UnitCostAdded } from '../../events/unitCost.ts';
import {
  kindsToChoose,
  previewLine,
  previewTotals,
  quantityProblem,
  type UnitCostEntry,
} from '../../web/src/outcomeLines.ts';

const HIP: UnitCostEntry = {
  code: 'HEALTH-HIP-FRACTURE',
  version: 2,
  description: 'Hip fracture',
  unit: 'per incident',
  amount: '25000.01',
  priceYear: '2015-16',
  split: [
    { agencyKind: 'health', amount: '20000.00', cashable: true },
    { agencyKind: 'council', amount: '5000.01', cashable: false, label: 'social care' },
  ],
};
const PARTNERS = [
  { agencyId: 'nhs', kind: 'health' },
  { agencyId: 'council-a', kind: 'council' },
  { agencyId: 'police', kind: 'police' },
];

const asAdded = (e: UnitCostEntry): UnitCostAdded => ({
  ...e,
  split: e.split.map((p) => ({ ...p, agencyKind: p.agencyKind as AgencyKind })),
  source: 'test',
});

/** What the ledger would record for one line, from the decider's own valuation. */
function ledgerValuation(entry: UnitCostEntry, quantity: string) {
  const result = valueOutcomeLines(
    [{ unitCostCode: entry.code, quantity }],
    PARTNERS.map((p) => p.agencyId),
    {
      unitCosts: new Map([[entry.code, asAdded(entry)]]),
      agencyKinds: new Map(PARTNERS.map((p) => [p.agencyId, p.kind as AgencyKind])),
    },
  );
  if (result instanceof DomainError) throw new Error(result.message);
  return result;
}

describe('the outcome-by-quantity preview', () => {
  it('values a line as quantity × unit amount, split by part, each to the pot’s partner of that kind', () => {
    const preview = previewLine(
      { unitCostCode: HIP.code, quantity: '2.5', beneficiaries: {} },
      [HIP],
      PARTNERS,
    );
    expect(preview).toMatchObject({
      ok: true,
      amount: '62500.03',
      parts: [
        { agencyKind: 'health', agencyId: 'nhs', cashable: true, amount: '50000.00' },
        {
          agencyKind: 'council',
          agencyId: 'council-a',
          cashable: false,
          amount: '12500.03',
          label: 'social care',
        },
      ],
    });
  });

  it('agrees with the ledger’s valuation to the penny for any quantity and split', () => {
    const pence = fc.integer({ min: 1, max: 10_000_000 });
    const asAmount = (p: number) => `${Math.floor(p / 100)}.${String(p % 100).padStart(2, '0')}`;
    const quantity = fc
      .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 99 }))
      .filter(([units, hundredths]) => units > 0 || hundredths > 0)
      .map(([units, hundredths]) =>
        hundredths === 0 ? String(units) : `${units}.${String(hundredths).padStart(2, '0')}`,
      );
    fc.assert(
      fc.property(pence, pence, fc.boolean(), quantity, (health, council, cashable, q) => {
        const entry: UnitCostEntry = {
          ...HIP,
          amount: asAmount(health + council),
          split: [
            { agencyKind: 'health', amount: asAmount(health), cashable },
            { agencyKind: 'council', amount: asAmount(council), cashable: false },
          ],
        };
        const preview = previewLine(
          { unitCostCode: entry.code, quantity: q, beneficiaries: {} },
          [entry],
          PARTNERS,
        );
        const ledger = ledgerValuation(entry, q);
        if (!preview.ok) throw new Error(preview.problem);
        expect(preview.amount).toBe(ledger.lines[0]!.amount);
        expect(preview.parts.map((p) => [p.agencyId, p.amount])).toEqual(
          ledger.lines[0]!.split.map((p) => [p.agencyId, p.amount]),
        );
        expect(previewTotals([preview])).toEqual(ledger.benefits);
      }),
      { numRuns: 200 },
    );
  });

  it('asks who receives a part the pot has no single partner for, and credits the one chosen', () => {
    const two = [...PARTNERS, { agencyId: 'council-b', kind: 'council' }];
    expect(kindsToChoose(HIP, two)).toEqual(['council']);
    expect(kindsToChoose(HIP, PARTNERS)).toEqual([]);
    expect(kindsToChoose(HIP, [{ agencyId: 'nhs', kind: 'health' }])).toEqual(['council']);
    const unchosen = previewLine(
      { unitCostCode: HIP.code, quantity: '1', beneficiaries: {} },
      [HIP],
      two,
    );
    expect(unchosen.ok && unchosen.parts[1]!.agencyId).toBeNull();
    // A part with no agency yet is not in the totals.
    expect(previewTotals([unchosen])).toEqual([
      { agencyId: 'nhs', cashable: true, amount: '20000.00' },
    ]);
    const chosen = previewLine(
      { unitCostCode: HIP.code, quantity: '1', beneficiaries: { council: 'council-b' } },
      [HIP],
      two,
    );
    expect(chosen.ok && chosen.parts[1]!.agencyId).toBe('council-b');
  });

  it('sums the totals per agency and kind of benefit over the lines', () => {
    const line = (quantity: string) =>
      previewLine({ unitCostCode: HIP.code, quantity, beneficiaries: {} }, [HIP], PARTNERS);
    expect(previewTotals([line('1'), line('2')])).toEqual([
      { agencyId: 'council-a', cashable: false, amount: '15000.03' },
      { agencyId: 'nhs', cashable: true, amount: '60000.00' },
    ]);
  });

  it('says in words why a quantity or a missing unit cost cannot be valued', () => {
    expect(quantityProblem('')).toBe('Enter the number of units');
    expect(quantityProblem('twelve')).toBe('Enter the number of units as a number, like 12 or 2.5');
    expect(quantityProblem('1.255')).toBe(
      'Enter the number of units with at most 2 decimal places',
    );
    expect(quantityProblem('0')).toBe('The number of units must be more than 0');
    expect(quantityProblem('1000000.01')).toBe('The number of units must be at most 1,000,000');
    expect(quantityProblem(' 12 ')).toBeNull();
    expect(quantityProblem('1000000')).toBeNull();
    expect(
      previewLine({ unitCostCode: '', quantity: '1', beneficiaries: {} }, [HIP], PARTNERS),
    ).toEqual({ ok: false, problem: 'Choose a unit cost' });
    expect(
      previewLine({ unitCostCode: HIP.code, quantity: '-1', beneficiaries: {} }, [HIP], PARTNERS),
    ).toEqual({ ok: false, problem: 'Enter the number of units as a number, like 12 or 2.5' });
  });
});

describe('the first-run steps and who may set up', () => {
  it('marks each step done as the ledger fills in, and lets only an admin set up', async () => {
    const { setupSteps } = await import('../../web/src/pages/setup.ts');
    const done = (agencies: unknown[], pots: { partners: unknown[] }[]) =>
      setupSteps(agencies, pots as never).map((s) => s.done);
    expect(done([], [])).toEqual([false, false, false]);
    expect(done([{}], [])).toEqual([true, false, false]);
    expect(done([{}], [{ partners: [{}] }])).toEqual([true, true, false]);
    expect(done([{}, {}], [{ partners: [{}, {}] }])).toEqual([true, true, true]);
    expect(setupSteps([], []).map((s) => s.href)).toEqual([
      '#/setup?step=agency',
      '#/setup?step=pot',
      '#/setup?step=partner',
    ]);
    const { can } = await import('../../web/src/token.ts');
    expect(
      (['admin', 'finance-officer', 'auditor', 'reporter'] as const).map((role) =>
        can.setUp({ sub: 'x', role }),
      ),
    ).toEqual([true, false, false, false]);
  });

  it('says the set-up refusals in words', async () => {
    const { plainWords } = await import('../../web/src/problems.ts');
    expect(plainWords({ status: 409, code: 'PERIOD_CLOSED' })).toMatch(/financial year is closed/);
    expect(plainWords({ status: 409, code: 'PENDING_APPROVALS' })).toMatch(/waiting for approval/);
  });
});
