/**
 * One line per event that an inspector can read without knowing the ids: who did what, to
 * which pot, for how much, and why. Names are resolved from earlier events in the log (an
 * audit trail shows what was known at the time), falling back to the id when a name is not
 * known. The full reason and the ids stay in the entry's own fields; the summary is for reading.
 */
import type { Actor, Envelope } from '../events/index.ts';
import { formatPoundsFromPence, money, parsePence, sumPence, type Pence } from '../events/money.ts';
import type { Benefit, FundingShare } from '../events/pot.ts';
import type { AgreementRecorded, OverspendFlag, FinancialYearSettled } from '../events/poolYear.ts';

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
  /** spendId → its invoice and supplier, so a reversal can say which spend it undid. */
  readonly spends: Map<string, { readonly invoiceRef: string; readonly supplier: string }>;
  /** commitmentId → its reference (purchase order, contract, care package). */
  readonly commitmentReferences: Map<string, string>;
  /** claimId → the outcome claimed, so validation, rejection and payment can say what they decided. */
  readonly claims: Map<
    string,
    { readonly code: string; readonly price: string; readonly outcomeId?: string }
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
    spends: new Map(),
    commitmentReferences: new Map(),
    claims: new Map(),
  };
}

/** The value each table of AuditNames holds. */
export type AuditNameValue<K extends keyof AuditNames> =
  AuditNames[K] extends Map<string, infer V> ? V : never;

/** One fact an event teaches the summaries: `names[table].set(key, value)`. */
export type LearnedName = {
  [K in keyof AuditNames]: {
    readonly table: K;
    readonly key: string;
    readonly value: AuditNameValue<K>;
  };
}[keyof AuditNames];

/** What AuditNames a summary reads: each table looked up by key, never changed. */
export type AuditNameLookup = {
  readonly [K in keyof AuditNames]: {
    get(key: string): AuditNameValue<K> | undefined;
  };
};

/** The name (or reference, date, request…) `event` teaches later summaries, if any. */
export function learnedName(event: Envelope): LearnedName | undefined {
  switch (event.type) {
    case 'AgencyRegistered':
      return { table: 'agencies', key: event.data.agencyId, value: event.data.name };
    case 'PotOpened':
      return { table: 'pots', key: event.data.potId, value: event.data.name };
    case 'InterventionDefined':
      return { table: 'interventions', key: event.data.interventionId, value: event.data.name };
    case 'ContributionReceived':
      return {
        table: 'contributionReferences',
        key: event.data.contributionId,
        value: event.data.reference,
      };
    case 'FundsAllocated':
      return {
        table: 'allocationDates',
        key: event.data.allocationId,
        value: event.data.effectiveDate,
      };
    case 'OutcomeRecorded':
      return {
        table: 'outcomeDescriptions',
        key: event.data.outcomeId,
        value: event.data.description,
      };
    case 'SpendRecorded':
      return {
        table: 'spends',
        key: event.data.spendId,
        value: { invoiceRef: event.data.invoiceRef, supplier: event.data.supplier },
      };
    case 'CommitmentRaised':
      return {
        table: 'commitmentReferences',
        key: event.data.commitmentId,
        value: event.data.reference,
      };
    case 'OutcomeClaimed':
      return {
        table: 'claims',
        key: event.data.claimId,
        value: {
          code: event.data.code,
          price: event.data.price,
          ...(event.data.outcomeId === undefined ? {} : { outcomeId: event.data.outcomeId }),
        },
      };
    case 'AllocationRequested': {
      const d = event.data;
      return {
        table: 'allocationRequests',
        key: d.allocationId,
        value: {
          amount: d.amount,
          interventionId: d.interventionId,
          requestedBy: d.requestedBy.sub,
          effectiveDate: d.effectiveDate,
        },
      };
    }
    default:
      return undefined;
  }
}

export function rememberNames(names: AuditNames, event: Envelope): void {
  const learned = learnedName(event);
  if (learned !== undefined)
    (names[learned.table] as Map<string, unknown>).set(learned.key, learned.value);
}

const ROLE_WORDS: Readonly<Record<string, string>> = {
  admin: 'admin',
  'finance-officer': 'finance officer',
  auditor: 'auditor',
  reporter: 'reporter',
};

/** "alice (finance officer, Essex Police)" */
export function actorLabel(names: AuditNameLookup, actor: Actor): string {
  const role = ROLE_WORDS[actor.role] ?? actor.role.replaceAll('-', ' ');
  const agency =
    actor.agencyId === undefined ? '' : `, ${names.agencies.get(actor.agencyId) ?? actor.agencyId}`;
  return `${actor.sub} (${role}${agency})`;
}

/** The one-line summary of an event, e.g. "alice (finance officer, Essex Police) contributed £250,000.00 to Essex Reducing Reoffending, ref PO-1234". */
export function summarise(names: AuditNameLookup, event: Envelope): string {
  const data = event.data as { priorPeriodAdjustment?: string };
  // A correction for a closed year is booked in the open one; the label says which year it corrects.
  const label =
    data.priorPeriodAdjustment === undefined
      ? ''
      : ` — prior-period adjustment for ${data.priorPeriodAdjustment}`;
  return `${actorLabel(names, event.metadata.actor)} ${describeAction(names, event)}${label}`;
}

function describeAction(names: AuditNameLookup, event: Envelope): string {
  const agency = (id: string): string => names.agencies.get(id) ?? id;
  const pot = (id: string): string => names.pots.get(id) ?? id;
  const intervention = (id: string): string => names.interventions.get(id) ?? id;
  const because = (reason: string): string =>
    `; reason: ${oneLine(reason, MAX_SUMMARY_REASON_CHARS)}`;
  /** ", evidencing outcome "Three families in work" (<id>)" when a claim names the outcome it evidences. */
  const evidencing = (outcomeId: string | undefined): string => {
    if (outcomeId === undefined) return '';
    const description = names.outcomeDescriptions.get(outcomeId);
    return description === undefined
      ? `, evidencing outcome ${outcomeId}`
      : `, evidencing outcome "${oneLine(description, MAX_SUMMARY_DESCRIPTION_CHARS)}" (${outcomeId})`;
  };
  const claimText = (claimId: string): string => {
    const claim = names.claims.get(claimId);
    return claim === undefined
      ? `claim ${claimId}`
      : `claim ${claimId} for outcome code ${claim.code}, ${pounds(claim.price)}`;
  };
  const commitmentName = (id: string): string => names.commitmentReferences.get(id) ?? id;
  const shares = (list: readonly FundingShare[]): string =>
    list.map((s) => `${agency(s.agencyId)} ${pounds(s.amount)}`).join(', ');

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
      const amount = pounds(d.amount);
      // A risk-share payment settles a debt for a settled year: it is not a stake contribution.
      if (d.riskShareFor !== undefined)
        return event.metadata.actor.agencyId === d.agencyId
          ? `paid ${amount} to ${pot(d.potId)} towards its ${d.riskShareFor} risk-share debt (not a contribution to its stake), ref ${d.reference}`
          : `recorded a risk-share payment of ${amount} from ${agency(d.agencyId)} to ${pot(d.potId)} towards its ${d.riskShareFor} debt (not a contribution to its stake), ref ${d.reference}`;
      // An admin recording a partner's payment must not read as if the admin's agency paid.
      const stream =
        d.fundingStream === undefined ? '' : `, Better Care Fund stream ${d.fundingStream}`;
      return event.metadata.actor.agencyId === d.agencyId
        ? `contributed ${amount} to ${pot(d.potId)}, ref ${d.reference}${stream}`
        : `recorded a contribution of ${amount} from ${agency(d.agencyId)} to ${pot(d.potId)}, ref ${d.reference}${stream}`;
    }
    case 'InterventionDefined':
      return `defined intervention ${event.data.name} in ${pot(event.data.potId)}, led by ${agency(event.data.leadAgencyId)}`;
    case 'FundsAllocated': {
      const d = event.data;
      return (
        `allocated ${pounds(d.amount)} from ${pot(d.potId)} to ${intervention(d.interventionId)}, ` +
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
      if (d.riskShareFor !== undefined)
        return (
          `reversed risk-share payment of ${pounds(d.amount)} from ${agency(d.agencyId)} to ${pot(d.potId)} for ${d.riskShareFor}` +
          `${reference === undefined ? '' : ` (ref ${reference})`}: the debt stands again${because(d.reason)}`
        );
      return (
        `reversed contribution of ${pounds(d.amount)} from ${agency(d.agencyId)} to ${pot(d.potId)}` +
        `${reference === undefined ? '' : ` (ref ${reference})`}${because(d.reason)}`
      );
    }
    case 'AllocationReversed': {
      const d = event.data;
      const date = names.allocationDates.get(d.allocationId);
      return (
        `reversed allocation of ${pounds(d.amount)} to ${intervention(d.interventionId)} in ${pot(d.potId)}` +
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
      return `${what}: ${pounds(d.amount)} ${d.unit} (${d.priceYear} prices), ${oneLine(d.description, MAX_SUMMARY_DESCRIPTION_CHARS)}`;
    }
    case 'ApprovalThresholdChanged': {
      const d = event.data;
      return d.approvalThreshold === null
        ? `removed the approval threshold of ${pot(d.potId)}: no allocation needs a second person's approval${because(d.reason)}`
        : `set the approval threshold of ${pot(d.potId)} to ${pounds(d.approvalThreshold)}${because(d.reason)}`;
    }
    case 'AllocationRequested': {
      const d = event.data;
      return (
        `requested ${pounds(d.amount)} for ${intervention(d.interventionId)} from ${pot(d.potId)} — ` +
        `awaiting approval (threshold ${pounds(d.approvalThreshold)}` +
        (d.rollingWindow === undefined
          ? ''
          : `, reached with ${pounds(d.rollingWindow.allocatedInWindow)} they allocated to it directly in the last ${d.rollingWindow.days} days`) +
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
      const total = sumPence(d.returns.map((r) => parsePence(r.amount)));
      const returns =
        d.returns.length === 0
          ? 'nothing was left to return'
          : `returning ${shares(d.returns)} to the partners`;
      return `closed pot ${pot(d.potId)} (effective ${d.effectiveDate}), ${returns} (total ${formatPoundsFromPence(total)})${because(d.reason)}`;
    }
    case 'IdempotencyKeyClaimed':
      return `claimed an idempotency key for ${event.data.command}, creating stream ${event.data.targetStreamId}`;
    case 'ContributionAgreed': {
      const d = event.data;
      const varies =
        d.varies === undefined
          ? ''
          : `, varying ${pounds(d.varies.amount)} (${d.varies.boardDecisionRef})`;
      return `recorded ${agency(d.agencyId)}'s agreed contribution of ${pounds(d.amount)} to ${pot(d.potId)} for ${d.financialYear}, board decision ${d.boardDecisionRef}${varies}`;
    }
    case 'InterventionAssumptionsSet': {
      const d = event.data;
      return (
        `set the cost-benefit assumptions of ${intervention(d.interventionId)} in ${pot(d.potId)}: deadweight ${d.deadweightPercent}%, ` +
        `attribution ${d.attributionPercent}%, optimism bias ${d.optimismBiasPercent}%, profile ${d.benefitProfile.map((p) => `${p}%`).join('/')}${because(d.reason)}`
      );
    }
    case 'AgreementRecorded':
      return agreementText(event.data, pot, agency);
    case 'JournalMappingRecorded': {
      const d = event.data;
      const count = Object.keys(d.lines).length;
      return (
        `recorded journal mapping version ${d.version} for ${agency(d.agencyId)} in ${pot(d.potId)}: ${count} line type${count === 1 ? '' : 's'}` +
        `${d.replaces === undefined ? '' : `, replacing version ${d.replaces.version}`}`
      );
    }
    case 'SchemeDetailsRecorded': {
      const d = event.data;
      const commissioners = d.commissioner.map((c) => `${agency(c.agencyId)} ${c.percent}%`);
      return (
        `recorded scheme details of ${intervention(d.interventionId)} in ${pot(d.potId)}: ${d.schemeType}, ` +
        `funding source ${d.fundingSource}, commissioned by ${commissioners.join(', ')}` +
        `${d.provider === undefined ? '' : `, provider ${d.provider}`}, ${d.recurrent ? 'recurrent' : 'non-recurrent'} ${d.expenditure}`
      );
    }
    case 'SpendRecorded': {
      const d = event.data;
      const vat =
        d.vat === undefined
          ? ''
          : `, VAT ${pounds(d.vat)}${d.vatRecoverable === undefined ? '' : d.vatRecoverable ? ' (recoverable)' : ' (not recoverable)'}`;
      const commitment =
        d.commitmentId === undefined
          ? ''
          : `, against commitment ${commitmentName(d.commitmentId)}${d.commitmentReleased === undefined ? '' : ` (releasing ${pounds(d.commitmentReleased)})`}`;
      return (
        `recorded spend of ${pounds(d.amount)} on ${intervention(d.interventionId)}, invoice ${d.invoiceRef} from ${d.supplier}` +
        `${vat}${commitment}${overspendText(d.overspend)}`
      );
    }
    case 'SpendReversed': {
      const d = event.data;
      const spend = names.spends.get(d.spendId);
      const restored =
        d.commitmentId === undefined || d.commitmentRestored === undefined
          ? ''
          : `, ${pounds(d.commitmentRestored)} outstanding again on commitment ${commitmentName(d.commitmentId)}`;
      return (
        `reversed spend of ${pounds(d.amount)} on ${intervention(d.interventionId)}` +
        `${spend === undefined ? '' : ` (invoice ${spend.invoiceRef} from ${spend.supplier})`}${restored}${because(d.reason)}`
      );
    }
    case 'CommitmentRaised': {
      const d = event.data;
      return (
        `raised a commitment of ${pounds(d.amount)} on ${intervention(d.interventionId)}, ref ${d.reference}` +
        `${d.supplier === undefined ? '' : ` with ${d.supplier}`}${overspendText(d.overspend)}`
      );
    }
    case 'CommitmentReleased': {
      const d = event.data;
      return `released ${pounds(d.amount)} of commitment ${commitmentName(d.commitmentId)} on ${intervention(d.interventionId)}${because(d.reason)}`;
    }
    case 'CommitmentReversed': {
      const d = event.data;
      return (
        `reversed commitment ${commitmentName(d.commitmentId)} on ${intervention(d.interventionId)}, ` +
        `cancelling the ${pounds(d.amount)} it still reserved${because(d.reason)}`
      );
    }
    case 'ForecastRecorded': {
      const d = event.data;
      const variance = parsePence(d.forecastOutturn) - parsePence(d.budget);
      const against =
        variance === 0n
          ? 'on budget'
          : variance < 0n
            ? `${formatPoundsFromPence(-variance)} under budget`
            : `${formatPoundsFromPence(variance)} over budget`;
      return (
        `forecast an outturn of ${pounds(d.forecastOutturn)} for ${intervention(d.interventionId)} in ${d.financialYear} Q${d.quarter} ` +
        `against a budget of ${pounds(d.budget)} (${against})` +
        `${d.explanation === undefined ? '' : `; explanation: ${oneLine(d.explanation, MAX_SUMMARY_REASON_CHARS)}`}`
      );
    }
    case 'ForecastWithdrawn': {
      const d = event.data;
      return `withdrew the ${d.financialYear} Q${d.quarter} forecast for ${intervention(d.interventionId)}${because(d.reason)}`;
    }
    case 'FinancialYearSettled':
      return settlementText(event.data, pot, agency);
    case 'RateCardRecorded': {
      const d = event.data;
      const payers =
        d.coPayers === undefined
          ? ''
          : `, paid by ${d.coPayers.map((p) => `${agency(p.agencyId)} ${(p.basisPoints / 100).toFixed(2)}%`).join(', ')}`;
      return (
        `recorded rate card version ${d.version} of ${intervention(d.interventionId)} in ${pot(d.potId)}, contract ${d.contractRef}, ` +
        `cap ${pounds(d.capPerContract)}: ${d.outcomes.map((o) => `${o.code} ${pounds(o.price)}`).join(', ')}` +
        `${payers}${d.replaces === undefined ? '' : `, replacing version ${d.replaces}`}`
      );
    }
    case 'OutcomeClaimed': {
      const d = event.data;
      return (
        `claimed ${pounds(d.price)} for outcome code ${d.code} on ${intervention(d.interventionId)} (claim ${d.claimId}, contract ${d.contractRef}), ` +
        `outcome dated ${d.outcomeDate}, evidence ${d.evidenceRef}${evidencing(d.outcomeId)}`
      );
    }
    case 'ClaimValidated':
      return `validated ${claimText(event.data.claimId)}`;
    case 'ClaimRejected':
      return `rejected ${claimText(event.data.claimId)}${because(event.data.reason)}`;
    case 'ClaimPaid': {
      const d = event.data;
      const claim = names.claims.get(d.claimId);
      const shares =
        d.payerShares.length < 2
          ? ''
          : `, shared ${d.payerShares.map((s) => `${agency(s.agencyId)} ${pounds(s.amount)}`).join(', ')}`;
      return (
        `paid claim ${d.claimId}${claim === undefined ? '' : ` for outcome code ${claim.code}`}, ${pounds(d.amount)}, ` +
        `as spend on ${intervention(d.interventionId)} dated ${d.effectiveDate}${shares}${evidencing(claim?.outcomeId)}${overspendText(d.overspend)}`
      );
    }
    case 'BcfMinimumsRecorded': {
      const d = event.data;
      const lines = d.minimums.map(
        (m) => `${m.fundingStream} ${pounds(m.amount)} from ${agency(m.agencyId)}`,
      );
      return (
        `recorded the Better Care Fund minimums of ${pot(d.potId)} for ${d.financialYear} (version ${d.version}` +
        `${d.replaces === undefined ? '' : `, replacing version ${d.replaces.version}`}): ${lines.join(', ')}`
      );
    }
    case 'SignInMappingChanged': {
      const d = event.data;
      const what =
        d.replaces === undefined
          ? `recorded the sign-in mapping (version ${d.version})`
          : `changed the sign-in mapping from version ${d.replaces} to ${d.version}`;
      return `${what}: ${d.rules.length} rule${d.rules.length === 1 ? '' : 's'}${because(d.reason)}`;
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** "request for £600,000.00 for Intervention X by bob", or the allocation id when the request is not known. */
function requestText(
  names: AuditNameLookup,
  allocationId: string,
  intervention: (id: string) => string,
  options: { requester: boolean } = { requester: true },
): string {
  const request = names.allocationRequests.get(allocationId);
  if (request === undefined) return `allocation request ${allocationId}`;
  const by = options.requester ? ` by ${request.requestedBy}` : '';
  return `request for ${pounds(request.amount)} for ${intervention(request.interventionId)}${by}`;
}

/** "benefits £50,000.00 (£30,000.00 cashable) to Essex Police £30,000.00, NHS Mid Essex £20,000.00" */
function benefitsText(benefits: readonly Benefit[], agency: (id: string) => string): string {
  const byAgency = new Map<string, Pence>();
  for (const b of benefits)
    byAgency.set(b.agencyId, (byAgency.get(b.agencyId) ?? 0n) + parsePence(b.amount));
  const total = sumPence(benefits.map((b) => parsePence(b.amount)));
  const cashable = sumPence(benefits.filter((b) => b.cashable).map((b) => parsePence(b.amount)));
  const recipients = [...byAgency]
    .map(([id, amount]) => `${agency(id)} ${formatPoundsFromPence(amount)}`)
    .join(', ');
  return `benefits ${formatPoundsFromPence(total)} (${formatPoundsFromPence(cashable)} cashable) to ${recipients}`;
}

const LEGAL_BASIS_WORDS: Readonly<Record<AgreementRecorded['legalBasis'], string>> = {
  's75-nhs-act-2006': 's75 NHS Act 2006',
  's31-health-act-1999': 's31 Health Act 1999',
  's113-lga-1972': 's113 Local Government Act 1972',
  other: 'other legal basis',
};

/**
 * "recorded agreement AG-2025 version 2 (replaces version 1, board decision PB-12): spend
 * tracking on, overspend warn, shared by contributions, underspend carried forward"
 */
function agreementText(
  d: AgreementRecorded,
  pot: (id: string) => string,
  agency: (id: string) => string,
): string {
  const decision =
    d.replaces === undefined
      ? `board decision ${d.boardDecisionRef}`
      : `replaces version ${d.replaces.version}, board decision ${d.boardDecisionRef}`;
  const o = d.overspend;
  const weights =
    o.percentages === undefined
      ? ''
      : ` (${Object.entries(o.percentages)
          .map(([id, bp]) => `${agency(id)} ${formatBasisPoints(bp)}%`)
          .join(', ')})`;
  const caps =
    o.caps === undefined
      ? ''
      : `, capped at ${Object.entries(o.caps)
          .map(([id, cap]) => `${agency(id)} ${pounds(cap)}`)
          .join(', ')}`;
  return (
    `recorded agreement ${d.reference} version ${d.version} (${decision}): ` +
    `spend tracking ${d.spendTracking ? 'on' : 'off'}, overspend ${o.policy}${o.coverFromPot ? ', covered from the pot first' : ''}, ` +
    `shared by ${o.share}${weights}${caps}, underspend ${d.underspend === 'return' ? 'returned' : 'carried forward'}; ` +
    `pot ${pot(d.potId)}, ${LEGAL_BASIS_WORDS[d.legalBasis]}, from ${d.startDate}${d.endDate === undefined ? '' : ` to ${d.endDate}`}, signed ${d.signedOn}` +
    `${d.betterCareFund === undefined ? '' : `; the Better Care Fund pot of ${d.betterCareFund.healthAndWellbeingBoard} Health and Wellbeing Board`}`
  );
}

/** 2500 basis points → "25", 3334 → "33.34". */
function formatBasisPoints(bp: number): string {
  return money(bp).dividedBy(100).toString();
}

/** " (overspend by £200.00)" when the entry took its scheme beyond its budget. */
function overspendText(flag: OverspendFlag | undefined): string {
  return flag === undefined ? '' : ` (overspend by ${pounds(flag.overBy)})`;
}

/**
 * "settled 2025-26 of Pool under agreement version 2: underspend released £x, overspend
 * covered £y, shared £z; returned £r to the partners; owed by partners: Essex Police £a"
 */
function settlementText(
  d: FinancialYearSettled,
  pot: (id: string) => string,
  agency: (id: string) => string,
): string {
  const total = (lines: readonly { amount: string }[]): Pence =>
    sumPence(lines.map((l) => parsePence(l.amount)));
  const released = sumPence(d.schemes.map((s) => total(s.released)));
  const covered = sumPence(d.schemes.map((s) => total(s.covered)));
  const shared = sumPence(d.schemes.map((s) => total(s.shared)));
  const fellToHost = sumPence(d.schemes.map((s) => parsePence(s.fellToHost)));
  const returned = total(d.returns);
  const owed = d.owedByPartners.filter((l) => parsePence(l.amount) !== 0n);
  return (
    `settled ${d.financialYear} of ${pot(d.potId)} under agreement version ${d.agreement.version} (effective ${d.effectiveDate}): ` +
    `underspend released ${formatPoundsFromPence(released)}, overspend covered ${formatPoundsFromPence(covered)}, shared ${formatPoundsFromPence(shared)}` +
    `${fellToHost === 0n ? '' : ` (${formatPoundsFromPence(fellToHost)} of it fell to the host, ${agency(d.hostAgencyId)})`}` +
    `${d.returns.length === 0 ? '' : `; returned ${formatPoundsFromPence(returned)} to the partners`}` +
    `; owed by partners: ${owed.length === 0 ? 'none' : owed.map((l) => `${agency(l.agencyId)} ${pounds(l.amount)}`).join(', ')}`
  );
}

/** An event's amount ("1234.5") as people read it ("£1,234.50"). */
function pounds(amount: string): string {
  return formatPoundsFromPence(parsePence(amount));
}

/** Collapses line breaks and runs of spaces, and clips long text with an ellipsis. */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1).trimEnd()}…`;
}
