/**
 * The README's worked pooled-fund year, recomputed from the README itself: the two input
 * tables are read as printed, the year is run through the ledger's own deciders (allocations,
 * spend, the settlement), and every figure the README prints in its five steps must be what the
 * settlement recorded. Edit a figure in the README and this fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { DomainError } from '../../commands/domainError.ts';
import { evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import { decideSettleFinancialYear } from '../../commands/settleFinancialYear.ts';
import type { FinancialYearSettled, PotEvent } from '../../events/index.ts';
import { potEventSchemas } from '../../events/index.ts';
import { formatAmount, formatPounds, money, sum } from '../../events/money.ts';
import { ADMIN, defaultContext, testUlid } from './spec.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const POT = testUlid(2, 77);
const YEAR = '2025-26';

/** The rows of the markdown table right after `<!-- worked-example:NAME -->`. */
function table(name: string): string[][] {
  const start = README.indexOf(`<!-- worked-example:${name} -->`);
  expect(start, `README has no ${name} table`).toBeGreaterThan(-1);
  const rows = README.slice(start).split('\n').slice(1);
  const lines = rows.slice(
    0,
    rows.findIndex((line) => !line.startsWith('|')),
  );
  return lines.slice(2).map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

/** "£1,234.50" → "1234.50". */
const amount = (text: string) => text.replace(/[£,]/g, '');

/** "essex-cc £10,000.00, nhs-mid-essex £8,000.00" → [{agencyId, amount}] in agency id order. */
function pairs(text: string): { agencyId: string; amount: string }[] {
  return [...text.matchAll(/\b([a-z][a-z0-9]*-[a-z0-9-]+) (£[\d,]+\.\d{2})/g)]
    .map((m) => ({ agencyId: m[1]!, amount: amount(m[2]!) }))
    .sort((a, b) => (a.agencyId < b.agencyId ? -1 : 1));
}

/** The text of step N of the worked example's numbered list. */
function step(n: number): string {
  const results = README.slice(README.indexOf('<!-- worked-example:results -->'));
  const match = new RegExp(`\\n${n}\\. ([\\s\\S]*?)(?=\\n\\d\\. |\\n\\n)`).exec(results);
  expect(match, `README has no step ${n}`).not.toBeNull();
  return match![1]!.replace(/\s+/g, ' ');
}

function runYear(): { settled: FinancialYearSettled; interventionIds: string[] } {
  const partners = table('contributions').map(([partner, contribution, cap]) => ({
    agencyId: partner!.split(' ')[0]!,
    host: partner!.includes('(host)'),
    contribution: amount(contribution!),
    cap: cap === '' ? undefined : amount(cap!),
  }));
  const schemes = table('schemes').map(([name, budget, spent]) => ({
    name: name!,
    budget: amount(budget!),
    spent: amount(spent!),
  }));
  const host = partners.find((p) => p.host)!.agencyId;
  const caps = Object.fromEntries(
    partners.filter((p) => p.cap !== undefined).map((p) => [p.agencyId, p.cap!]),
  );
  let state: PotState = initialPotState();
  let n = 0;
  const fold = (event: PotEvent) => {
    potEventSchemas[event.type].parse(event.data);
    state = evolvePot(state, { ...event, eventId: testUlid(7, ++n) } as never);
  };
  fold({
    type: 'PotOpened',
    data: {
      potId: POT,
      name: 'Mid Essex Better Care Fund',
      area: 'Mid Essex',
      hostAgencyId: host,
      partnerAgencyIds: partners.map((p) => p.agencyId),
      currency: 'GBP',
    },
  });
  fold({
    type: 'AgreementRecorded',
    data: {
      potId: POT,
      version: 1,
      reference: 'MEBCF-S75-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Director of Adult Social Care Commissioning',
      scope: 'Better Care Fund schemes',
      boardDecisionRef: 'HWB 2025-03-12 item 6',
      signedOn: '2025-03-28',
      spendTracking: true,
      overspend: { policy: 'warn', coverFromPot: true, share: 'contributions', caps },
      underspend: 'carry-forward',
    },
  });
  partners.forEach((p, i) =>
    fold({
      type: 'ContributionReceived',
      data: {
        potId: POT,
        contributionId: testUlid(3, i + 1),
        agencyId: p.agencyId,
        amount: p.contribution,
        effectiveDate: '2025-04-01',
        reference: `S75 schedule 3, ${p.agencyId}`,
      },
    }),
  );
  const interventionIds = schemes.map((_, i) => testUlid(4, i + 1));
  schemes.forEach((scheme, i) => {
    const interventionId = interventionIds[i]!;
    fold({
      type: 'InterventionDefined',
      data: { potId: POT, interventionId, name: scheme.name, leadAgencyId: host },
    });
    const decided = decideAllocateToIntervention(
      state,
      {
        potId: POT,
        allocationId: testUlid(5, i + 1),
        interventionId,
        amount: scheme.budget,
        effectiveDate: '2025-04-02',
        reason: `${YEAR} scheme budget`,
      },
      defaultContext(),
    );
    if (decided instanceof DomainError) throw decided;
    decided.forEach(fold);
    fold({
      type: 'SpendRecorded',
      data: {
        potId: POT,
        spendId: testUlid(6, i + 1),
        interventionId,
        amount: scheme.spent,
        effectiveDate: '2026-03-20',
        supplier: 'Provider',
        invoiceRef: `INV-${i + 1}`,
      },
    });
  });
  const settled = decideSettleFinancialYear(
    state,
    { potId: POT, financialYear: YEAR },
    defaultContext({ actor: ADMIN, now: '2026-05-01T09:00:00.000Z' }),
  );
  if (settled instanceof DomainError) throw settled;
  const event = settled[0]!;
  if (event.type !== 'FinancialYearSettled') throw new Error(event.type);
  fold(event);
  return { settled: event.data, interventionIds };
}

describe("the README's worked pooled-fund year", () => {
  const { settled, interventionIds } = runYear();
  const scheme = (i: number) =>
    settled.schemes.find((s) => s.interventionId === interventionIds[i])!;

  it('step 1: the underspend released by the scheme’s funding', () => {
    const text = step(1);
    expect(text).toContain(`${formatPounds(money(scheme(0).underspend))} under`);
    expect(scheme(0).released).toEqual(pairs(text.split('Stakes are now')[0]!));
  });

  it('step 2: the overspend covered from the stakes, pro rata', () => {
    const text = step(2);
    expect(scheme(1).covered).toEqual(pairs(text));
  });

  it('step 3: the rest shared by contributions, the capped partner held to its cap', () => {
    const text = step(3);
    expect(scheme(1).shared).toEqual(pairs(text.split('Shared:')[1]!));
  });

  it('step 5: what each partner owes', () => {
    expect(settled.owedByPartners).toEqual(pairs(step(5)));
  });

  it('every scheme is funded by exactly its spend after the settlement', () => {
    for (const s of settled.schemes) {
      const funding = sum([
        ...s.fundingOfYear.map((f) => money(f.amount)),
        ...s.released.map((f) => money(f.amount).negated()),
        ...s.covered.map((f) => money(f.amount)),
        ...s.shared.map((f) => money(f.amount)),
      ]);
      expect(formatAmount(funding)).toBe(s.spent);
    }
  });
});
