/** The audit trail's lines for agreed contributions and cost-benefit assumptions (issue 5). */
import { describe, expect, it } from 'vitest';
import { auditEntries, foldTrail } from '../support/auditPages.ts';
import { ACTORS, createHistory } from './envelopes.ts';

describe('audit trail: evidence-of-benefit events', () => {
  it('names the partner, amount, year, board decision and what a variation varied; the assumptions and their reason', () => {
    const h = createHistory();
    h.registerAgency('essex-cc', 'Essex County Council', 'council');
    h.registerAgency('essex-police', 'Essex Police', 'police');
    const potId = h.openPot({
      name: 'Essex Reducing Reoffending',
      area: 'Essex',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-cc', 'essex-police'],
    }).data.potId;
    const interventionId = h.defineIntervention(potId, 'Employment support', 'essex-cc').data
      .interventionId;
    const first = h.append(
      {
        type: 'ContributionAgreed',
        data: {
          potId,
          agencyId: 'essex-police',
          financialYear: '2025-26',
          amount: '250000.00',
          boardDecisionRef: 'PB-3',
        },
      },
      { actor: ACTORS.carol },
    );
    h.append(
      {
        type: 'ContributionAgreed',
        data: {
          potId,
          agencyId: 'essex-police',
          financialYear: '2025-26',
          amount: '200000.00',
          boardDecisionRef: 'PB-9',
          varies: {
            agreementEventId: first.eventId,
            amount: '250000.00',
            boardDecisionRef: 'PB-3',
          },
        },
      },
      { actor: ACTORS.admin },
    );
    h.append(
      {
        type: 'InterventionAssumptionsSet',
        data: {
          potId,
          interventionId,
          deadweightPercent: '20',
          attributionPercent: '75',
          optimismBiasPercent: '12.5',
          benefitProfile: ['100', '60'],
          reason: 'Evaluation 2025',
        },
      },
      { actor: ACTORS.alice },
    );
    const entries = auditEntries(foldTrail(h.events), {
      limit: 1_000,
    }).entries.slice(-3);
    expect(entries.map((e) => e.summary)).toEqual([
      "carol (finance officer, Essex County Council) recorded Essex Police's agreed contribution of £250,000.00 to Essex Reducing Reoffending for 2025-26, board decision PB-3",
      "root (admin) recorded Essex Police's agreed contribution of £200,000.00 to Essex Reducing Reoffending for 2025-26, board decision PB-9, varying £250,000.00 (PB-3)",
      'alice (finance officer, Essex Police) set the cost-benefit assumptions of Employment support in Essex Reducing Reoffending: deadweight 20%, attribution 75%, optimism bias 12.5%, profile 100%/60%; reason: Evaluation 2025',
    ]);
    expect(entries.map((e) => e.agencyIds)).toEqual([['essex-police'], ['essex-police'], []]);
    expect(entries[2]!.reason).toBe('Evaluation 2025');
    expect(entries.every((e) => e.potId === potId)).toBe(true);
  });
});
