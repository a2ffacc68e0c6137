/**
 * The running example of the projection specs, after Essex's reducing-reoffending pool.
 * Every figure the specs expect follows from these lines by hand:
 *
 *   contributions  Essex County Council £300,000   Essex Police £200,000
 *   allocation     £100,000 to Employment support, drawn pro rata to stakes 3:2
 *                  → council £60,000, police £40,000 (so each investor funds 60% / 40%)
 *   outcome        benefits: police £30,000 cashable, NHS £20,000 non-cashable,
 *                  council £10,000 cashable; each line split 60/40 over the investors:
 *                  council→police 18,000  council→NHS 12,000  council→council 6,000
 *                  police→police  12,000  police→NHS   8,000  police→council  4,000
 */
import { benefit, createHistory, flow, ACTORS } from './envelopes.ts';

export const COUNCIL = 'essex-cc';
export const POLICE = 'essex-police';
export const NHS = 'nhs-mid-essex';
export const PROBATION = 'essex-probation';

export function essexScenario() {
  const h = createHistory();
  h.registerAgency(COUNCIL, 'Essex County Council', 'council');
  h.registerAgency(POLICE, 'Essex Police', 'police');
  h.registerAgency(NHS, 'NHS Mid Essex', 'health');
  h.registerAgency(PROBATION, 'Essex Probation', 'probation');
  const opened = h.openPot({
    name: 'Essex Reducing Reoffending',
    area: 'Essex',
    hostAgencyId: COUNCIL,
    // Police listed first on purpose: partners keep the order they joined in, not id order.
    partnerAgencyIds: [POLICE, COUNCIL],
  });
  const potId = opened.data.potId;
  const joined = h.joinPartner(potId, PROBATION);
  const councilContribution = h.contribute(potId, COUNCIL, '300000.00', '2025-04-10', 'ECC-77', {
    actor: ACTORS.carol,
  });
  const policeContribution = h.contribute(potId, POLICE, '200000.00', '2025-04-11', 'PO-1234', {
    actor: ACTORS.alice,
  });
  const defined = h.defineIntervention(potId, 'Employment support', PROBATION);
  const interventionId = defined.data.interventionId;
  const allocation = h.allocate(
    potId,
    interventionId,
    { [POLICE]: '40000.00', [COUNCIL]: '60000.00' },
    '2025-05-01',
    'Year one delivery',
  );
  const outcome = h.recordOutcome(potId, interventionId, {
    description: 'Fewer reoffences among the first cohort',
    effectiveDate: '2025-09-30',
    benefits: [
      benefit(POLICE, '30000.00', true),
      benefit(NHS, '20000.00', false),
      benefit(COUNCIL, '10000.00', true),
    ],
    flows: [
      flow(COUNCIL, POLICE, '18000.00', true),
      flow(POLICE, POLICE, '12000.00', true),
      flow(COUNCIL, NHS, '12000.00', false),
      flow(POLICE, NHS, '8000.00', false),
      flow(COUNCIL, COUNCIL, '6000.00', true),
      flow(POLICE, COUNCIL, '4000.00', true),
    ],
  });
  return {
    h,
    potId,
    interventionId,
    opened,
    joined,
    councilContribution,
    policeContribution,
    defined,
    allocation,
    outcome,
  };
}
