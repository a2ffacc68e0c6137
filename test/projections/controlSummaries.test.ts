/**
 * The audit trail's one-line summaries of the controls' events, and the pot summary and
 * exceptions list they feed, folded from a hand-built history of the Essex pot.
 */
import { describe, expect, it } from 'vitest';
import { auditEntries, foldTrail } from '../support/auditPages.ts';
import { exceptionsProjection, potExceptions } from '../../projections/exceptions.ts';
import { foldAll } from '../../projections/projection.ts';
import { potSummary, potSummaryProjection } from '../../projections/potSummary.ts';
import { ACTORS, ulidAt } from './envelopes.ts';
import { COUNCIL, POLICE, essexScenario } from './essexScenario.ts';

function controlled() {
  const { h, potId, interventionId } = essexScenario();
  const bob = ACTORS.alice; // a finance officer of Essex Police
  const allocationId = ulidAt(0, 900);
  const withdrawnId = ulidAt(0, 901);
  h.append({
    type: 'ApprovalThresholdChanged',
    data: { potId, approvalThreshold: '250000.00', reason: 'Board minute 12' },
  });
  const requested = {
    potId,
    interventionId,
    amount: '300000.00',
    effectiveDate: '2025-10-01',
    reason: 'Year two',
    approvalThreshold: '250000.00',
  };
  const requestedBy = { sub: bob.sub, role: bob.role, agencyId: bob.agencyId };
  h.append(
    { type: 'AllocationRequested', data: { ...requested, allocationId, requestedBy } },
    { actor: bob },
  );
  h.append(
    { type: 'SelfApprovalAttempted', data: { potId, allocationId, attemptedBy: requestedBy } },
    { actor: bob },
  );
  h.append(
    { type: 'AllocationRequested', data: { ...requested, allocationId: withdrawnId, requestedBy } },
    { actor: bob },
  );
  h.append(
    {
      type: 'AllocationRejected',
      data: { potId, allocationId: withdrawnId, rejectedBy: requestedBy, reason: 'Asked twice' },
    },
    { actor: bob },
  );
  const carol = { sub: ACTORS.carol.sub, role: ACTORS.carol.role, agencyId: ACTORS.carol.agencyId };
  h.append(
    { type: 'AllocationApproved', data: { potId, allocationId, approvedBy: carol } },
    { actor: ACTORS.carol },
  );
  h.append(
    {
      type: 'FundsAllocated',
      data: {
        potId,
        interventionId,
        amount: requested.amount,
        effectiveDate: requested.effectiveDate,
        reason: requested.reason,
        allocationId,
        fundingShares: [
          { agencyId: COUNCIL, amount: '180000.00' },
          { agencyId: POLICE, amount: '120000.00' },
        ],
      },
    },
    { actor: ACTORS.carol },
  );
  h.append({
    type: 'FinancialYearClosed',
    data: { potId, financialYear: '2025-26', closedThrough: '2026-03-31' },
  });
  h.append({
    type: 'PotClosed',
    data: {
      potId,
      effectiveDate: '2026-04-20',
      reason: 'Programme ended',
      returns: [
        { agencyId: POLICE, amount: '40000.00' },
        { agencyId: COUNCIL, amount: '60000.00' },
      ],
    },
  });
  return { h, potId, allocationId, withdrawnId };
}

describe("the controls' events", () => {
  it('each has a one-line summary an inspector can read', () => {
    const { h } = controlled();
    const state = foldTrail(h.events);
    const summaries = auditEntries(state, { limit: 1000 })
      .entries.slice(-9)
      .map((e) => e.summary);
    expect(summaries).toEqual([
      'root (admin) set the approval threshold of Essex Reducing Reoffending to £250,000.00; reason: Board minute 12',
      'alice (finance officer, Essex Police) requested £300,000.00 for Employment support from Essex Reducing Reoffending — awaiting approval (threshold £250,000.00); reason: Year two',
      'alice (finance officer, Essex Police) tried to approve their own request for £300,000.00 for Employment support in Essex Reducing Reoffending — refused (segregation of duties)',
      'alice (finance officer, Essex Police) requested £300,000.00 for Employment support from Essex Reducing Reoffending — awaiting approval (threshold £250,000.00); reason: Year two',
      'alice (finance officer, Essex Police) withdrew their own request for £300,000.00 for Employment support by alice in Essex Reducing Reoffending; reason: Asked twice',
      'carol (finance officer, Essex County Council) approved request for £300,000.00 for Employment support by alice in Essex Reducing Reoffending',
      'carol (finance officer, Essex County Council) allocated £300,000.00 from Essex Reducing Reoffending to Employment support, drawn from Essex County Council £180,000.00, Essex Police £120,000.00; reason: Year two',
      'root (admin) closed financial year 2025-26 of Essex Reducing Reoffending: nothing dated on or before 2026-03-31 is accepted from now on',
      'root (admin) closed pot Essex Reducing Reoffending (effective 2026-04-20), returning Essex Police £40,000.00, Essex County Council £60,000.00 to the partners (total £100,000.00); reason: Programme ended',
    ]);
  });

  it('the pot summary shows the threshold, no pending request once decided, the closed year and the close', () => {
    const { h, potId } = controlled();
    const summary = potSummary(foldAll(potSummaryProjection, h.events), potId)!;
    expect(summary).toMatchObject({
      status: 'closed',
      approvalThreshold: '250000.00',
      pendingApprovals: [],
      closedFinancialYears: ['2025-26'],
      allocated: '400000.00',
      available: '0.00',
    });
    expect(summary.partners.map((p) => [p.agencyId, p.returned, p.stake])).toEqual([
      [POLICE, '40000.00', '0.00'],
      [COUNCIL, '60000.00', '0.00'],
      ['essex-probation', '0.00', '0.00'],
    ]);
  });

  it('a fold stops loudly when a close does not return exactly what was available', () => {
    const { h, potId } = essexScenario();
    h.append({
      type: 'PotClosed',
      data: {
        potId,
        effectiveDate: '2026-04-20',
        reason: 'x',
        returns: [{ agencyId: POLICE, amount: '1.00' }],
      },
    });
    expect(() => foldAll(potSummaryProjection, h.events)).toThrow(/invariant/);
  });

  it('the exceptions list holds the self-approval attempt and the withdrawal, not the approval', () => {
    const { h, potId } = controlled();
    const exceptions = potExceptions(foldAll(exceptionsProjection, h.events), potId);
    expect(exceptions.map((e) => [e.type, e.kind, e.amount, e.reason])).toEqual([
      ['SelfApprovalAttempted', 'self-approval-attempt', '300000.00', null],
      ['AllocationRejected', 'rejected-approval', '300000.00', 'Asked twice'],
    ]);
    expect(exceptions[0]!.summary).toContain('refused (segregation of duties)');
  });
});
