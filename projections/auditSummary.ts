/**
 * One line per event that an inspector can read without knowing the ids: who did what, to
 * which pot, for how much, and why. Names are resolved from earlier events in the log (an
 * audit trail shows what was known at the time), falling back to the id when a name is not
 * known. The full reason and the ids stay in the entry's own fields; the summary is for reading.
 */
import type { Actor, Envelope } from '../events/index.ts';
import type { Money } from '../events/money.ts';
import { formatPounds, money, sum, ZERO } from '../events/money.ts';
import type { Benefit, FundingShare } from '../events/pot.ts';

/** Long free text is clipped in the one-line summary; the entry keeps it whole. */
export const MAX_SUMMARY_DESCRIPTION_CHARS = 120;
export const MAX_SUMMARY_REASON_CHARS = 200;

/** What the audit trail remembers from earlier events so later summaries can name things. */
export interface AuditNames {
  readonly agencies: Map<string, string>;
  readonly pots: Map<string, string>;
  readonly interventions: Map<string, string>;
  readonly contributionReferences: Map<string, string>;
  readonly allocationDates: Map<string, string>;
  readonly outcomeDescriptions: Map<string, string>;
  /** allocationId → the request, so an approval or rejection can say what it decided. */
  readonly allocationRequests: Map<
    string,
    {
      readonly amount: string;
      readonly interventionId: string;
      readonly requestedBy: string;
      readonly effectiveDate: string;
    }
  >;
}

export function emptyAuditNames(): AuditNames {
  return {
    agencies: new Map(),
    pots: new Map(),
    interventions: new Map(),
    contributionReferences: new Map(),
    allocationDates: new Map(),
    outcomeDescriptions: new Map(),
    allocationRequests: new Map(),
  };
}

export function rememberNames(names: AuditNames, event: Envelope): void {
  switch (event.type) {
    case 'AgencyRegistered':
      names.agencies.set(event.data.agencyId, event.data.name);
      return;
    case 'PotOpened':
      names.pots.set(event.data.potId, event.data.name);
      return;
    case 'InterventionDefined':
      names.interventions.set(event.data.interventionId, event.data.name);
      return;
    case 'ContributionReceived':
      names.contributionReferences.set(event.data.contributionId, event.data.reference);
      return;
    case 'FundsAllocated':
      names.allocationDates.set(event.data.allocationId, event.data.effectiveDate);
      return;
    case 'OutcomeRecorded':
      names.outcomeDescriptions.set(event.data.outcomeId, event.data.description);
      return;
    case 'AllocationRequested': {
      const d = event.data;
      names.allocationRequests.set(d.allocationId, {
        amount: d.amount,
        interventionId: d.interventionId,
        requestedBy: d.requestedBy.sub,
        effectiveDate: d.effectiveDate,
      });
      return;
    }
    default:
      return;
  }
}

const ROLE_WORDS: Readonly<Record<string, string>> = {
  admin: 'admin',
  'finance-officer': 'finance officer',
  auditor: 'auditor',
  reporter: 'reporter',
};

/** "alice (finance officer, Essex Police)" */
export function actorLabel(names: AuditNames, actor: Actor): string {
  const role = ROLE_WORDS[actor.role] ?? actor.role.replaceAll('-', ' ');
  const agency =
    actor.agencyId === undefined ? '' : `, ${names.agencies.get(actor.agencyId) ?? actor.agencyId}`;
  return `${actor.sub} (${role}${agency})`;
}

/** The one-line summary of an event, e.g. "alice (finance officer, Essex Police) contributed £250,000.00 to Essex Reducing Reoffending, ref PO-1234". */
export function summarise(names: AuditNames, event: Envelope): string {
  const data = event.data as { priorPeriodAdjustment?: string };
  // A correction for a closed year is booked in the open one; the label says which year it corrects.
  const label =
    data.priorPeriodAdjustment === undefined
      ? ''
      : ` — prior-period adjustment for ${data.priorPeriodAdjustment}`;
  return `${actorLabel(names, event.metadata.actor)} ${describeAction(names, event)}${label}`;
}

function describeAction(names: AuditNames, event: Envelope): string {
  const agency = (id: string): string => names.agencies.get(id) ?? id;
  const pot = (id: string): string => names.pots.get(id) ?? id;
  const intervention = (id: string): string => names.interventions.get(id) ?? id;
  const because = (reason: string): string =>
    `; reason: ${oneLine(reason, MAX_SUMMARY_REASON_CHARS)}`;
  const shares = (list: readonly FundingShare[]): string =>
    list.map((s) => `${agency(s.agencyId)} ${formatPounds(money(s.amount))}`).join(', ');

  switch (event.type) {
    case 'AgencyRegistered':
      return `registered agency ${event.data.name} (${event.data.agencyId}, ${event.data.kind})`;
    case 'PotOpened': {
      const d = event.data;
      return `opened pot ${d.name} (${d.area}), hosted by ${agency(d.hostAgencyId)}, with partners ${d.partnerAgencyIds.map(agency).join(', ')}`;
    }
    case 'PartnerJoined':
      return `added ${agency(event.data.agencyId)} as a partner of ${pot(event.data.potId)}`;
    case 'ContributionReceived': {
      const d = event.data;
      const amount = formatPounds(money(d.amount));
      // An admin recording a partner's payment must not read as if the admin's agency paid.
      return event.metadata.actor.agencyId === d.agencyId
        ? `contributed ${amount} to ${pot(d.potId)}, ref ${d.reference}`
        : `recorded a contribution of ${amount} from ${agency(d.agencyId)} to ${pot(d.potId)}, ref ${d.reference}`;
    }
    case 'InterventionDefined':
      return `defined intervention ${event.data.name} in ${pot(event.data.potId)}, led by ${agency(event.data.leadAgencyId)}`;
    case 'FundsAllocated': {
      const d = event.data;
      return (
        `allocated ${formatPounds(money(d.amount))} from ${pot(d.potId)} to ${intervention(d.interventionId)}, ` +
        `drawn from ${shares(d.fundingShares)}${because(d.reason)}`
      );
    }
    case 'OutcomeRecorded': {
      const d = event.data;
      return (
        `recorded outcome "${oneLine(d.description, MAX_SUMMARY_DESCRIPTION_CHARS)}" of ${intervention(d.interventionId)} ` +
        `in ${pot(d.potId)}: ${benefitsText(d.benefits, agency)}`
      );
    }
    case 'ContributionReversed': {
      const d = event.data;
      const reference = names.contributionReferences.get(d.contributionId);
      return (
        `reversed contribution of ${formatPounds(money(d.amount))} from ${agency(d.agencyId)} to ${pot(d.potId)}` +
        `${reference === undefined ? '' : ` (ref ${reference})`}${because(d.reason)}`
      );
    }
    case 'AllocationReversed': {
      const d = event.data;
      const date = names.allocationDates.get(d.allocationId);
      return (
        `reversed allocation of ${formatPounds(money(d.amount))} to ${intervention(d.interventionId)} in ${pot(d.potId)}` +
        `${date === undefined ? '' : ` (effective ${date})`}, returning ${shares(d.fundingShares)} to their stakes${because(d.reason)}`
      );
    }
    case 'OutcomeRetracted': {
      const d = event.data;
      const description = names.outcomeDescriptions.get(d.outcomeId) ?? d.outcomeId;
      return (
        `retracted outcome "${oneLine(description, MAX_SUMMARY_DESCRIPTION_CHARS)}" of ${intervention(d.interventionId)} ` +
        `in ${pot(d.potId)}, withdrawing ${benefitsText(d.benefits, agency)}${because(d.reason)}`
      );
    }
    case 'UnitCostAdded': {
      const d = event.data;
      const what =
        d.supersedesVersion === undefined
          ? `added unit cost ${d.code} version ${d.version}`
          : `superseded unit cost ${d.code} version ${d.supersedesVersion} with version ${d.version}`;
      return `${what}: ${formatPounds(money(d.amount))} ${d.unit} (${d.priceYear} prices), ${oneLine(d.description, MAX_SUMMARY_DESCRIPTION_CHARS)}`;
    }
    case 'ApprovalThresholdChanged': {
      const d = event.data;
      return d.approvalThreshold === null
        ? `removed the approval threshold of ${pot(d.potId)}: no allocation needs a second person's approval${because(d.reason)}`
        : `set the approval threshold of ${pot(d.potId)} to ${formatPounds(money(d.approvalThreshold))}${because(d.reason)}`;
    }
    case 'AllocationRequested': {
      const d = event.data;
      return (
        `requested ${formatPounds(money(d.amount))} for ${intervention(d.interventionId)} from ${pot(d.potId)} — ` +
        `awaiting approval (threshold ${formatPounds(money(d.approvalThreshold))}` +
        (d.rollingWindow === undefined
          ? ''
          : `, reached with ${formatPounds(money(d.rollingWindow.allocatedInWindow))} they allocated to it directly in the last ${d.rollingWindow.days} days`) +
        `)${because(d.reason)}`
      );
    }
    case 'AllocationApproved':
      return `approved ${requestText(names, event.data.allocationId, intervention)} in ${pot(event.data.potId)}`;
    case 'AllocationRejected': {
      const d = event.data;
      const request = names.allocationRequests.get(d.allocationId);
      const verb =
        request !== undefined && request.requestedBy === d.rejectedBy.sub
          ? 'withdrew their own'
          : 'rejected';
      return `${verb} ${requestText(names, d.allocationId, intervention)} in ${pot(d.potId)}${because(d.reason)}`;
    }
    case 'SelfApprovalAttempted':
      return (
        `tried to approve their own ${requestText(names, event.data.allocationId, intervention, { requester: false })} in ${pot(event.data.potId)} — ` +
        'refused (segregation of duties)'
      );
    case 'FinancialYearClosed': {
      const d = event.data;
      return (
        `closed financial year ${d.financialYear} of ${pot(d.potId)}: nothing dated on or before ${d.closedThrough} is accepted from now on` +
        `${d.reason === undefined ? '' : because(d.reason)}`
      );
    }
    case 'PotClosed': {
      const d = event.data;
      const total = sum(d.returns.map((r) => money(r.amount)));
      const returns =
        d.returns.length === 0
          ? 'nothing was left to return'
          : `returning ${shares(d.returns)} to the partners`;
      return `closed pot ${pot(d.potId)} (effective ${d.effectiveDate}), ${returns} (total ${formatPounds(total)})${because(d.reason)}`;
    }
    case 'IdempotencyKeyClaimed':
      return `claimed an idempotency key for ${event.data.command}, creating stream ${event.data.targetStreamId}`;
    case 'ContributionAgreed': {
      const d = event.data;
      const varies =
        d.varies === undefined
          ? ''
          : `, varying ${formatPounds(money(d.varies.amount))} (${d.varies.boardDecisionRef})`;
      return `recorded ${agency(d.agencyId)}'s agreed contribution of ${formatPounds(money(d.amount))} to ${pot(d.potId)} for ${d.financialYear}, board decision ${d.boardDecisionRef}${varies}`;
    }
    case 'InterventionAssumptionsSet': {
      const d = event.data;
      return (
        `set the cost-benefit assumptions of ${intervention(d.interventionId)} in ${pot(d.potId)}: deadweight ${d.deadweightPercent}%, ` +
        `attribution ${d.attributionPercent}%, optimism bias ${d.optimismBiasPercent}%, profile ${d.benefitProfile.map((p) => `${p}%`).join('/')}${because(d.reason)}`
      );
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** "request for £600,000.00 for Intervention X by bob", or the allocation id when the request is not known. */
function requestText(
  names: AuditNames,
  allocationId: string,
  intervention: (id: string) => string,
  options: { requester: boolean } = { requester: true },
): string {
  const request = names.allocationRequests.get(allocationId);
  if (request === undefined) return `allocation request ${allocationId}`;
  const by = options.requester ? ` by ${request.requestedBy}` : '';
  return `request for ${formatPounds(money(request.amount))} for ${intervention(request.interventionId)}${by}`;
}

/** "benefits £50,000.00 (£30,000.00 cashable) to Essex Police £30,000.00, NHS Mid Essex £20,000.00" */
function benefitsText(benefits: readonly Benefit[], agency: (id: string) => string): string {
  const byAgency = new Map<string, Money>();
  for (const b of benefits)
    byAgency.set(b.agencyId, (byAgency.get(b.agencyId) ?? ZERO).plus(money(b.amount)));
  const total = sum(benefits.map((b) => money(b.amount)));
  const cashable = sum(benefits.filter((b) => b.cashable).map((b) => money(b.amount)));
  const recipients = [...byAgency]
    .map(([id, amount]) => `${agency(id)} ${formatPounds(amount)}`)
    .join(', ');
  return `benefits ${formatPounds(total)} (${formatPounds(cashable)} cashable) to ${recipients}`;
}

/** Collapses line breaks and runs of spaces, and clips long text with an ellipsis. */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1).trimEnd()}…`;
}
