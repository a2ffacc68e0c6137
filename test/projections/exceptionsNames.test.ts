/**
 * Issue 18: the exceptions list keeps only the names a later exception can still read. Its rows
 * must carry exactly the audit trail's summary (which keeps every name) even so, and what it
 * dropped must be what nothing can read any more.
 */
import { describe, expect, it } from 'vitest';
import { emptyAuditNames, rememberNames, summarise } from '../../projections/auditSummary.ts';
import { namesBeforeRow } from '../../projections/auditNameHistory.ts';
import { exceptionsProjection, potExceptions } from '../../projections/exceptions.ts';
import { foldAll } from '../../projections/projection.ts';
import { benefit, createHistory, flow } from './envelopes.ts';

const LONG_DESCRIPTION = `Families   in\nwork ${'and out of the courts '.repeat(12)}for a year`;

function history() {
  const h = createHistory();
  const potId = h.openPot({
    name: 'P',
    area: 'A',
    hostAgencyId: 'essex-cc',
    partnerAgencyIds: ['essex-police'],
  }).data.potId;
  const interventionId = h.defineIntervention(potId, 'X', 'essex-cc').data.interventionId;
  const contribution = h.contribute(potId, 'essex-cc', '1000.00', '2025-05-01', 'PO-17');
  const kept = h.contribute(potId, 'essex-police', '500.00', '2025-05-01', 'PO-18');
  const allocation = h.allocate(potId, interventionId, { 'essex-cc': '300.00' }, '2025-06-01', 'r');
  const outcome = h.recordOutcome(potId, interventionId, {
    description: LONG_DESCRIPTION,
    effectiveDate: '2025-07-01',
    benefits: [benefit('essex-police', '250.00', true)],
    flows: [flow('essex-cc', 'essex-police', '250.00', true)],
  });
  h.reverseAllocation(allocation, 'keyed twice', '2025-08-01');
  h.retractOutcome(outcome, 'not evidenced', '2025-08-02');
  h.reverseContribution(contribution, 'wrong partner', '2025-08-03');
  return { h, potId, kept, contribution, allocation, outcome };
}

describe('exceptions: only the names a later exception can read', () => {
  it("each row's summary is the audit trail's summary of the same event", () => {
    const { h, potId } = history();
    const state = foldAll(exceptionsProjection, h.events);
    const names = emptyAuditNames();
    const expected = new Map<string, string>();
    for (const event of h.events) {
      expected.set(event.eventId, summarise(names, event));
      rememberNames(names, event);
    }
    const rows = potExceptions(state, potId);
    expect(rows.map((r) => r.type)).toEqual([
      'AllocationReversed',
      'OutcomeRetracted',
      'ContributionReversed',
    ]);
    for (const row of rows) expect(row.summary).toBe(expected.get(row.eventId));
    expect(rows[1]!.summary).toContain('retracted outcome "Families in work and out of the courts');
    expect(rows[2]!.summary).toContain('ref PO-17');
  });

  it('drops what was reversed and keeps what may still be', () => {
    const { h, kept, contribution, allocation, outcome } = history();
    const { own } = foldAll(exceptionsProjection, h.events);
    const names = namesBeforeRow(own!.names, own!.rows, { unlessForgotten: true });
    expect(names.contributionReferences.get(contribution.data.contributionId)).toBeUndefined();
    expect(names.contributionReferences.get(kept.data.contributionId)).toBe('PO-18');
    expect(names.allocationDates.get(allocation.data.allocationId)).toBeUndefined();
    // Kept whole, as the audit trail keeps it: a summary clips it when it shows it.
    expect(names.outcomeDescriptions.get(outcome.data.outcomeId)).toBe(outcome.data.description);
  });
});
