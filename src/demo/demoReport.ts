/**
 * The demo's own words: what it loaded, and the pot as the ledger now reports it.
 * Pure functions from the scenario record and the API's answers to text.
 */
import { formatPounds, money, sum } from '../../events/money.ts';
import type { PotSummaryView } from '../../projections/potSummary.ts';
import { renderTable, type AgencyLabel } from './flowsTable.ts';
import { counted } from '../cli/counted.ts';
import { UNIT_COST_SOURCE, type ScenarioRecord } from './essexScenario.ts';

export function renderWhatItDid(
  record: ScenarioRecord,
  pot: PotSummaryView,
  agencies: readonly AgencyLabel[],
  joinedLater: readonly string[],
): string {
  const nameOf = (id: string) => agencies.find((a) => a.agencyId === id)?.name ?? id;
  const list = (ids: readonly string[]) => {
    const names = ids.map(nameOf);
    return names.length <= 1
      ? (names[0] ?? 'nobody')
      : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  };
  const gross = sum(record.contributions.map((c) => money(c.amount)));
  const partners = pot.partners
    .map((p) => p.agencyId)
    .filter((id) => id !== pot.hostAgencyId && !joinedLater.includes(id));
  const beneficiariesOnly = agencies
    .filter((a) => !pot.partners.some((p) => p.agencyId === a.agencyId))
    .map((a) => a.agencyId);
  const bullets = [
    record.agenciesRegistered.length > 0 && record.agenciesAlreadyThere.length > 0
      ? `Registered ${list(record.agenciesRegistered)}; ${list(record.agenciesAlreadyThere)} already there.`
      : record.agenciesRegistered.length > 0
        ? `Registered ${list(record.agenciesRegistered)}.`
        : `Agencies already registered (by an earlier run or another user), left as they are: ${list(record.agenciesAlreadyThere)}.`,
    `Opened "${pot.name}" (pot ${pot.potId}), hosted by ${nameOf(pot.hostAgencyId)} with ${list(partners)}; ` +
      `${list(joinedLater)} joined later.` +
      (beneficiariesOnly.length > 0
        ? ` ${list(beneficiariesOnly)}: beneficiaries, not partners.`
        : ''),
    `Booked ${counted(record.contributions.length, 'contribution')} (${formatPounds(gross)}), then reversed ` +
      `${nameOf(record.reversal.agencyId)}'s duplicate ${formatPounds(money(record.reversal.amount))} (${record.reversal.reference}), ` +
      `leaving ${formatPounds(gross.minus(money(record.reversal.amount)))}. Reason given: "${record.reversal.reason}"`,
    `Defined ${counted(record.interventions.length, 'intervention')} (${record.interventions.map((i) => `${i.name}, led by ${nameOf(i.leadAgencyId)}`).join('; ')}); ` +
      `made ${counted(record.allocations.length, 'allocation')} (${formatPounds(sum(record.allocations.map((a) => money(a.amount))))}).`,
    `Recorded ${counted(record.outcomes.length, 'outcome')} (${formatPounds(sum(record.outcomes.map((o) => money(o.total))))} of benefits), e.g. ` +
      `"${record.outcomes.find((o) => o.description.includes('arrests'))?.description ?? record.outcomes[0]?.description ?? ''}"`,
    `Unit costs: ${UNIT_COST_SOURCE}. Price years as published, not uprated: illustrative figures.`,
  ];
  return bullets.map((b) => `  • ${b}`).join('\n');
}

export function renderPotSummary(pot: PotSummaryView, agencies: readonly AgencyLabel[]): string {
  const nameOf = (id: string) => agencies.find((a) => a.agencyId === id)?.name ?? id;
  const head = [
    `${pot.name} (${pot.area}), hosted by ${nameOf(pot.hostAgencyId)} — ${pot.status}`,
    `Contributed ${formatPounds(money(pot.contributed))}   Allocated ${formatPounds(money(pot.allocated))}   Available ${formatPounds(money(pot.available))}`,
  ].join('\n');
  const partners = renderTable(
    [
      { header: 'Partner', align: 'left' },
      { header: 'Contributed', align: 'right' },
      { header: 'Drawn', align: 'right' },
      { header: 'Unallocated stake', align: 'right' },
    ],
    pot.partners.map((p) => [
      nameOf(p.agencyId),
      formatPounds(money(p.contributed)),
      formatPounds(money(p.drawn)),
      formatPounds(money(p.stake)),
    ]),
  );
  const interventions = renderTable(
    [
      { header: 'Intervention', align: 'left' },
      { header: 'Lead', align: 'left' },
      { header: 'Funded', align: 'right' },
      { header: 'Benefits', align: 'right' },
    ],
    pot.interventions.map((i) => [
      i.name,
      nameOf(i.leadAgencyId),
      formatPounds(money(i.funded)),
      formatPounds(money(i.benefits)),
    ]),
  );
  return `${head}\n\n${partners}\n\n${interventions}`;
}
