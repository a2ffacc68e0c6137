/**
 * DESIGN "HTTP API (v1)" and "Auth" as one access table: every route × every kind of caller.
 * "Allowed" means the answer is a success (the request sent is valid for that caller), and
 * "denied" means 401 UNAUTHENTICATED without a token and 403 FORBIDDEN with one, with nothing
 * appended to the log. A second test fails when the app grows a route the table does not list.
 *
 * The read policy (src/http/plugins/readPolicy.ts) is in the table too: admins and auditors read
 * everything; a finance officer reads the pots its agency is a partner of in full (their audit
 * trail, exceptions, requesters, reversal reasons and actors); reporters, and finance officers
 * on other agencies' pots, read figures only. For each GET, the callers who read figures only
 * must find no person's identity anywhere in the answer (JSON or CSV) — the fixture's users and
 * the reasons it writes all name people — and an answer that withheld fields says so in
 * `redacted`; the callers who read in full must find the names the fixture put there.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocate,
  bearer,
  expectProblem,
  expectWritten,
  head,
  PROBLEM_JSON,
  recordOutcome,
  scenarioCtx,
  type Ctx,
} from './helpers.ts';
import { BCF_MINIMUMS, openBcfPot } from './bcfFixtures.ts';

type Caller =
  | 'admin'
  | 'finance officer (partner)'
  | 'finance officer (non-partner)'
  | 'auditor'
  | 'reporter'
  | 'no token';
const CALLERS: readonly Caller[] = [
  'admin',
  'finance officer (partner)',
  'finance officer (non-partner)',
  'auditor',
  'reporter',
  'no token',
];
const SIGNED_IN: readonly Caller[] = CALLERS.filter((c) => c !== 'no token');
const EVERYONE: readonly Caller[] = CALLERS;

interface Fixture extends Ctx {
  /** One allocation per caller, so each allowed reversal has an entry of its own to undo. */
  readonly allocations: Readonly<Record<Caller, string>>;
  /** Pending allocation requests (made by bob of Essex Police), one per caller to approve and one to reject. */
  readonly toApprove: Readonly<Record<Caller, string>>;
  readonly toReject: Readonly<Record<Caller, string>>;
  /** A second pot, for the admin to close without closing the pot the other rows use. */
  readonly sparePotId: string;
  /** A Better Care Fund pot (test/http/bcfFixtures.ts), for its minimums and return. */
  readonly bcfPotId: string;
  /** A commitment on the main pot's intervention, large enough for every allowed caller to release part of. */
  readonly commitmentId?: string;
  /** An intervention without a rate card, for the admin to record one. */
  readonly rateCardInterventionId?: string;
  /** Outcome claims (made by bob of Essex Police), one per caller to validate, to reject and (validated) to pay. */
  readonly claims?: {
    readonly toValidate: Readonly<Record<Caller, string>>;
    readonly toReject: Readonly<Record<Caller, string>>;
    readonly toPay: Readonly<Record<Caller, string>>;
  };
}

/** The rate card of the access table's intervention: room for every claim the table makes. */
const ACCESS_RATE_CARD = {
  contractRef: 'TF-ACCESS',
  capPerContract: '1000000.00',
  outcomes: [
    {
      code: 'TF-ACCESS',
      definition: 'access table',
      evidenceRequired: 'access table evidence',
      price: '1.00',
      maxClaimsPerParticipant: 1,
      claimWindowDays: 3650,
    },
  ],
};
const accessClaim = (participantRef: string) => ({
  code: 'TF-ACCESS',
  participantRef,
  outcomeDate: '2025-12-01',
  evidenceRef: 'EVIDENCE-ACCESS',
});

interface Row {
  readonly method: 'GET' | 'POST';
  /** The route as fastify declares it. */
  readonly route: string;
  readonly allowed: readonly Caller[];
  url(f: Fixture): string;
  body?(f: Fixture, caller: Caller, n: number): unknown;
  /** GET: allowed callers who read figures only; no person's identity may appear in their answer. */
  readonly figuresOnly?: readonly Caller[];
  /** GET: the answer to a figures-only caller withholds fields, so it must list them in `redacted`. */
  readonly redacts?: true;
  /** GET: callers whose (full) answer must show a person's name from the fixture: the redaction is real, not an empty list. */
  readonly namesFor?: readonly Caller[];
}

/** Everyone the fixture signs in as (test/support/testLedger.ts, test/http/helpers.ts), as whole words. */
const PERSON_IDENTITY = /\b(alice|bob|carol|ivy|rita|nina|pete)\b/;
/** Reasons people write name people: every reason the fixture writes does, so a leaked reason is a leaked name. */
const REASON = 'access table, agreed with pete';
/** Who reads a pot in full, and who reads its figures only (readPolicy.ts). */
const POT_FULL: readonly Caller[] = ['admin', 'finance officer (partner)', 'auditor'];
const POT_FIGURES: readonly Caller[] = ['finance officer (non-partner)', 'reporter'];
/** The unit-cost catalogue belongs to no pot: only the oversight roles read who added an entry. */
const OVERSIGHT: readonly Caller[] = ['admin', 'auditor'];
const CATALOGUE_FIGURES: readonly Caller[] = [
  'finance officer (partner)',
  'finance officer (non-partner)',
  'reporter',
];

const AGENCY_OF: Readonly<Record<Caller, string>> = {
  admin: 'essex-cc',
  'finance officer (partner)': 'essex-cc',
  'finance officer (non-partner)': 'nhs-mid-essex',
  auditor: 'essex-cc',
  reporter: 'essex-cc',
  'no token': 'essex-cc',
};

/** A unit-cost entry, added as ACCESS-BASE before the table runs so it can be superseded. */
const ACCESS_UNIT_COST = {
  code: 'ACCESS-BASE',
  description: 'access table',
  unit: 'per incident',
  amount: '10.00',
  priceYear: '2010-11',
  split: [{ agencyKind: 'police', amount: '10.00', cashable: false }],
  source: 'access table',
};

const ACCESS_AGREEMENT = {
  reference: 'S75-ACCESS',
  legalBasis: 's75-nhs-act-2006',
  startDate: '2025-04-01',
  poolManager: 'pete, Head of Integrated Commissioning',
  scope: 'access table',
  boardDecisionRef: 'PB-ACCESS-1',
  signedOn: '2025-03-20',
  spendTracking: true,
};

const ACCESS_TABLE: readonly Row[] = [
  {
    method: 'POST',
    route: '/v1/agencies',
    allowed: ['admin'],
    url: () => '/v1/agencies',
    body: (_f, _c, n) => ({ agencyId: `access-agency-${n}`, name: `Access ${n}`, kind: 'other' }),
  },
  // Agencies, balances and flows hold figures only, for everyone.
  {
    method: 'GET',
    route: '/v1/agencies',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: () => '/v1/agencies',
  },
  {
    method: 'GET',
    route: '/v1/agencies/:agencyId/balances',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: () => '/v1/agencies/essex-police/balances',
  },
  {
    method: 'POST',
    route: '/v1/pots',
    allowed: ['admin'],
    url: () => '/v1/pots',
    body: (_f, _c, n) => ({ name: `Access pot ${n}`, area: 'Essex', hostAgencyId: 'essex-cc' }),
  },
  // Pending approvals name their requester (bob) and carry his reason.
  {
    method: 'GET',
    route: '/v1/pots',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: () => '/v1/pots',
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}`,
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/partners',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/partners`,
    // Not NHS: it must stay a non-partner for the rows below.
    body: () => ({ agencyId: 'essex-fire' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/contributions',
    // A finance officer pays in for their own agency, on a pot their agency is a partner of.
    allowed: ['finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/contributions`,
    body: (_f, caller, n) => ({
      agencyId: AGENCY_OF[caller],
      amount: '100.00',
      effectiveDate: '2025-05-01',
      reference: `ACCESS-${n}`,
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions`,
    body: (_f, _c, n) => ({ name: `Access intervention ${n}`, leadAgencyId: 'essex-police' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/allocations',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/allocations`,
    body: (f) => ({
      interventionId: f.interventionId,
      amount: '10.00',
      effectiveDate: '2025-05-01',
      reason: 'access table',
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/outcomes',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/outcomes`,
    body: () => ({
      description: 'access table',
      effectiveDate: '2025-09-30',
      benefits: [{ agencyId: 'nhs-mid-essex', amount: '5.00', cashable: false }],
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/reversals',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/reversals`,
    body: (f, caller) => ({ eventId: f.allocations[caller], reason: REASON }),
  },
  {
    method: 'GET',
    route: '/v1/flows',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: (f) => `/v1/flows?potId=${f.potId}`,
  },
  // The audit trail: the oversight roles read all of it; a partner's finance officer, its own pot's, named by potId.
  {
    method: 'GET',
    route: '/v1/audit',
    allowed: OVERSIGHT,
    namesFor: OVERSIGHT,
    url: () => '/v1/audit',
  },
  {
    method: 'GET',
    route: '/v1/audit',
    allowed: POT_FULL,
    namesFor: POT_FULL,
    url: (f) => `/v1/audit?potId=${f.potId}`,
  },
  {
    method: 'GET',
    route: '/v1/audit/export.csv',
    allowed: OVERSIGHT,
    namesFor: OVERSIGHT,
    url: () => '/v1/audit/export.csv',
  },
  {
    method: 'GET',
    route: '/v1/audit/export.csv',
    allowed: POT_FULL,
    namesFor: POT_FULL,
    url: (f) => `/v1/audit/export.csv?potId=${f.potId}`,
  },
  {
    method: 'GET',
    route: '/v1/events',
    allowed: OVERSIGHT,
    namesFor: OVERSIGHT,
    url: () => '/v1/events',
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/approval-threshold',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/approval-threshold`,
    body: () => ({ approvalThreshold: '5000.00', reason: REASON }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/allocations/:allocationId/approve',
    // Another finance officer of a partner, or an admin; never the requester (bob of Essex Police).
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/allocations/${f.toApprove[currentCaller]}/approve`,
    body: () => ({}),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/allocations/:allocationId/reject',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/allocations/${f.toReject[currentCaller]}/reject`,
    body: () => ({ reason: REASON }),
  },
  // The pooled-fund year (docs/pooled-fund-year.md): the fixture's pot has an agreement with
  // spend tracking on, naming pete as its pool manager; a forecast's explanation names him too.
  {
    method: 'POST',
    route: '/v1/pots/:potId/agreements',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/agreements`,
    body: () => ({ ...ACCESS_AGREEMENT, boardDecisionRef: 'PB-ACCESS-2', replaces: 1 }),
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId/agreements',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}/agreements`,
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/scheme',
    // An admin or the host's finance officer (carol of essex-cc, the host here).
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/scheme`,
    body: (_f, _c, n) => ({
      schemeType: `Reablement ${n}`,
      fundingSource: 'nhs-minimum',
      recurrent: true,
      expenditure: 'revenue',
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/spend',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/spend`,
    body: (_f, _c, n) => ({
      amount: '1.00',
      effectiveDate: '2025-06-01',
      supplier: 'Access Care',
      invoiceRef: `INV-ACCESS-${n}`,
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/commitments',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/commitments`,
    body: (_f, _c, n) => ({
      amount: '1.00',
      effectiveDate: '2025-06-01',
      reference: `PO-ACCESS-${n}`,
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/commitments/:commitmentId/release',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) =>
      `/v1/pots/${f.potId}/interventions/${f.interventionId}/commitments/${f.commitmentId}/release`,
    body: () => ({ amount: '1.00', effectiveDate: '2025-07-01', reason: REASON }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/forecasts',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/forecasts`,
    body: () => ({
      financialYear: '2025-26',
      quarter: 2,
      forecastOutturn: '1500.00',
      explanation: REASON,
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/rate-card',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.rateCardInterventionId}/rate-card`,
    body: () => ACCESS_RATE_CARD,
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/claims',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/claims`,
    body: (_f, _c, n) => accessClaim(`ACCESS-${n}`),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/claims/:claimId/validate',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/claims/${f.claims!.toValidate[currentCaller]}/validate`,
    body: () => ({}),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/claims/:claimId/reject',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/claims/${f.claims!.toReject[currentCaller]}/reject`,
    body: () => ({ reason: REASON }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/claims/:claimId/pay',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/claims/${f.claims!.toPay[currentCaller]}/pay`,
    body: () => ({ effectiveDate: '2025-12-15' }),
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId/claims',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}/claims`,
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId/monitoring',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}/monitoring?financialYear=2025-26&quarter=4`,
  },
  // Better Care Fund minimums (admin) and the return (figures only, for everyone).
  {
    method: 'POST',
    route: '/v1/pots/:potId/bcf-minimums',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.bcfPotId}/bcf-minimums`,
    body: () => BCF_MINIMUMS,
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId/bcf-return',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: (f) => `/v1/pots/${f.bcfPotId}/bcf-return?financialYear=2025-26`,
  },
  // The memorandum account holds figures only, for everyone.
  {
    method: 'GET',
    route: '/v1/pots/:potId/memorandum',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: (f) => `/v1/pots/${f.potId}/memorandum?financialYear=2025-26`,
  },
  // Journal mappings: the admin records version 1, the council's own finance officer version 2.
  {
    method: 'POST',
    route: '/v1/pots/:potId/journal-mappings/:agencyId',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/journal-mappings/essex-cc`,
    body: (_f, caller) => ({
      lines: { contribution: { costCentre: 'CC100', accountCode: '4010' } },
      ...(caller === 'admin' ? {} : { replaces: 1 }),
    }),
  },
  // A mapping and a journal hold codes and figures only, for everyone.
  {
    method: 'GET',
    route: '/v1/pots/:potId/journal-mappings/:agencyId',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: (f) => `/v1/pots/${f.potId}/journal-mappings/essex-cc`,
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId/journals/:agencyId',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: (f) => `/v1/pots/${f.potId}/journals/essex-cc?financialYear=2025-26`,
  },
  // The settlement of 2024-25 (a year with no figures on this pot): previewed, then settled, then closed.
  {
    method: 'GET',
    route: '/v1/pots/:potId/financial-years/:financialYear/settlement-preview',
    allowed: SIGNED_IN,
    figuresOnly: SIGNED_IN,
    url: (f) => `/v1/pots/${f.potId}/financial-years/2024-25/settlement-preview`,
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/financial-years/:financialYear/settle',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/financial-years/2024-25/settle`,
    body: () => ({}),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/financial-years/:financialYear/close',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/financial-years/2024-25/close`,
    body: () => ({ reason: 'access table' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/close',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.sparePotId}/close`,
    body: () => ({ reason: 'access table' }),
  },
  {
    method: 'GET',
    route: '/v1/pots/:potId/exceptions',
    allowed: POT_FULL,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}/exceptions`,
  },
  // Reversals name who made them (carol, in the fixture) and why.
  {
    method: 'GET',
    route: '/v1/pots/:potId/statement',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}/statement?financialYear=2025-26`,
  },
  { method: 'GET', route: '/health', allowed: EVERYONE, url: () => '/health' },
  { method: 'GET', route: '/ready', allowed: EVERYONE, url: () => '/ready' },
  // Operators' figures, read like the audit routes (src/http/plugins/metrics.ts).
  { method: 'GET', route: '/metrics', allowed: OVERSIGHT, url: () => '/metrics' },
  { method: 'GET', route: '/openapi.json', allowed: EVERYONE, url: () => '/openapi.json' },
  {
    method: 'POST',
    route: '/v1/unit-costs',
    allowed: ['admin'],
    url: () => '/v1/unit-costs',
    body: (_f, _c, n) => ({ ...ACCESS_UNIT_COST, code: `ACCESS-${n}` }),
  },
  // The sign-in mapping says who may move money: only an admin changes it; auditors read it.
  {
    method: 'POST',
    route: '/v1/sign-in-mapping',
    allowed: ['admin'],
    url: () => '/v1/sign-in-mapping',
    body: () => ({
      rules: [{ claim: 'groups', value: 'access-table', role: 'auditor' }],
      reason: 'access table',
    }),
  },
  {
    method: 'GET',
    route: '/v1/sign-in-mapping',
    allowed: OVERSIGHT,
    url: () => '/v1/sign-in-mapping',
  },
  {
    method: 'POST',
    route: '/v1/unit-costs/:code/versions',
    allowed: ['admin'],
    url: () => '/v1/unit-costs/ACCESS-BASE/versions',
    body: () => ({ ...ACCESS_UNIT_COST, code: undefined }),
  },
  // Entries name the admin who added them (alice).
  {
    method: 'GET',
    route: '/v1/unit-costs',
    allowed: SIGNED_IN,
    figuresOnly: CATALOGUE_FIGURES,
    redacts: true,
    namesFor: OVERSIGHT,
    url: () => '/v1/unit-costs?includeSuperseded=true',
  },
  {
    method: 'GET',
    route: '/v1/unit-costs/:code',
    allowed: SIGNED_IN,
    figuresOnly: CATALOGUE_FIGURES,
    redacts: true,
    namesFor: OVERSIGHT,
    url: () => '/v1/unit-costs/ACCESS-BASE',
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/agreed-contributions',
    // What the board agreed is an admin's to record: no finance officer, the host's (essex-cc here) included.
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/agreed-contributions`,
    body: (_f, _c, n) => ({
      agencyId: 'essex-police',
      financialYear: '2025-26',
      amount: `${n}.00`,
      boardDecisionRef: `PB-ACCESS-${n}`,
    }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/assumptions',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/assumptions`,
    body: () => ({
      deadweightPercent: '10',
      attributionPercent: '80',
      optimismBiasPercent: '15',
      benefitProfile: ['100', '50'],
      reason: REASON,
    }),
  },
  // Assumptions name who set them, and why.
  {
    method: 'GET',
    route: '/v1/pots/:potId/cba',
    allowed: SIGNED_IN,
    figuresOnly: POT_FIGURES,
    redacts: true,
    namesFor: POT_FULL,
    url: (f) => `/v1/pots/${f.potId}/cba`,
  },
  // Tamper evidence over the whole log: the oversight roles (hashes and sizes, no names).
  {
    method: 'GET',
    route: '/v1/audit/checkpoint',
    allowed: OVERSIGHT,
    figuresOnly: OVERSIGHT,
    url: () => '/v1/audit/checkpoint',
  },
  {
    method: 'GET',
    route: '/v1/audit/proof/:eventId',
    allowed: OVERSIGHT,
    figuresOnly: OVERSIGHT,
    url: (f) => `/v1/audit/proof/${f.allocations.admin}`,
  },
  {
    method: 'GET',
    route: '/v1/audit/consistency',
    allowed: OVERSIGHT,
    figuresOnly: OVERSIGHT,
    url: () => '/v1/audit/consistency?from=1',
  },
];

/**
 * What an allowed GET answer must (not) show under the read policy; problems found, as text.
 * `expectNames` is false where the fixture has no people's records (the as-at table).
 */
function readPolicyMismatches(
  row: Row,
  caller: Caller,
  cell: string,
  body: string,
  expectNames: boolean,
): string[] {
  const found: string[] = [];
  const figuresOnly = row.figuresOnly?.includes(caller) ?? false;
  if (figuresOnly) {
    const leak = PERSON_IDENTITY.exec(body);
    if (leak !== null)
      found.push(
        `${cell}: figures only, but the answer names ${leak[1]}: …${body.slice(Math.max(0, leak.index - 80), leak.index + 40)}…`,
      );
  }
  if (row.redacts === true) {
    const says = body.includes('"redacted":[');
    if (figuresOnly && !says)
      found.push(`${cell}: withheld fields without saying so (no \`redacted\`)`);
    if (!figuresOnly && body.includes('"redacted"'))
      found.push(`${cell}: a full reader's answer says something was redacted`);
  }
  if (expectNames && (row.namesFor?.includes(caller) ?? false) && !PERSON_IDENTITY.test(body)) {
    found.push(`${cell}: a full reader's answer names nobody, though the fixture's records do`);
  }
  return found;
}

/**
 * Rows whose url depends on the caller read it from here: the test sets it before each request.
 * (Row.url takes only the fixture, so each caller's own pending request is passed this way.)
 */
let currentCaller: Caller = 'admin';

function tokenOf(f: Fixture, caller: Caller): string | null {
  switch (caller) {
    case 'admin':
      return f.tokens.admin;
    case 'finance officer (partner)':
      return f.tokens.cc;
    case 'finance officer (non-partner)':
      return f.tokens.nhs;
    case 'auditor':
      return f.tokens.auditor;
    case 'reporter':
      return f.tokens.reporter;
    case 'no token':
      return null;
  }
}

/** "METHOD /path" for every route `printRoutes` shows (a tree: one segment per line, methods in brackets). */
export function routesOf(tree: string): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    segments.length = depth;
    segments.push(match[2]!);
    const path = segments.join('');
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('access table', () => {
  let f: Fixture;

  beforeAll(async () => {
    const ctx = await scenarioCtx();
    expectWritten(
      await ctx.ledger.post('/v1/agencies', ctx.tokens.admin, {
        agencyId: 'essex-fire',
        name: 'Essex Fire',
        kind: 'fire',
      }),
      ['agencyId'],
    );
    // Fund the intervention (so outcomes can be recorded) and give every caller an allocation to reverse.
    const allocations = {} as Record<Caller, string>;
    expectWritten(await allocate(ctx, '1000.00'), ['allocationId', 'status', 'fundingShares']);
    expectWritten(await recordOutcome(ctx), ['outcomeId', 'flows']);
    // People's records on the pot before any row reads it: a reversal (the statement's, by carol)
    // and assumptions (the cost-benefit report's, set by carol), each with a reason naming pete.
    const reversed = expectWritten(await allocate(ctx, '10.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expectWritten(
      await ctx.ledger.post(`/v1/pots/${ctx.potId}/reversals`, ctx.tokens.cc, {
        eventId: reversed.eventId,
        reason: REASON,
        effectiveDate: '2025-10-01',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    expectWritten(
      await ctx.ledger.post(
        `/v1/pots/${ctx.potId}/interventions/${ctx.interventionId}/assumptions`,
        ctx.tokens.cc,
        {
          deadweightPercent: '10',
          attributionPercent: '80',
          optimismBiasPercent: '15',
          benefitProfile: ['100'],
          reason: REASON,
        },
      ),
      ['interventionId'],
    );
    // The allocations the callers reverse fund an intervention of their own: outcomes (the
    // table records some) stand on the funding of theirs, which may not be reversed under them.
    const reversible = expectWritten(
      await ctx.ledger.post(`/v1/pots/${ctx.potId}/interventions`, ctx.tokens.admin, {
        name: 'Reversible',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    for (const caller of CALLERS) {
      const allocation = await allocate(ctx, '1000.00', {
        interventionId: reversible.interventionId,
      });
      allocations[caller] = expectWritten(allocation, ['allocationId', 'status', 'fundingShares'])
        .eventId as string;
    }
    expectWritten(await ctx.ledger.post('/v1/unit-costs', ctx.tokens.admin, ACCESS_UNIT_COST), [
      'code',
      'version',
    ]);
    // Requests need a threshold; bob (Essex Police) asks, so neither the admin nor carol is the requester.
    expectWritten(
      await ctx.ledger.post(`/v1/pots/${ctx.potId}/approval-threshold`, ctx.tokens.admin, {
        approvalThreshold: '5000.00',
        reason: 'four-eyes',
      }),
      ['approvalThreshold'],
    );
    const request = async () =>
      expectWritten(await allocate(ctx, '6000.00', { reason: REASON }, ctx.tokens.police), [
        'allocationId',
        'status',
        'approvalReason',
      ]).allocationId as string;
    const toApprove = {} as Record<Caller, string>;
    const toReject = {} as Record<Caller, string>;
    for (const caller of CALLERS) {
      toApprove[caller] = await request();
      toReject[caller] = await request();
    }
    // The pooled-fund year: an agreement tracking spend (pete is its pool manager), a
    // commitment every allowed caller can release part of, and a forecast whose explanation names pete.
    expectWritten(
      await ctx.ledger.post(`/v1/pots/${ctx.potId}/agreements`, ctx.tokens.admin, ACCESS_AGREEMENT),
      ['version'],
    );
    const commitment = expectWritten(
      await ctx.ledger.post(
        `/v1/pots/${ctx.potId}/interventions/${ctx.interventionId}/commitments`,
        ctx.tokens.admin,
        { amount: '100.00', effectiveDate: '2025-06-01', reference: 'PO-ACCESS' },
      ),
      ['commitmentId'],
    );
    expectWritten(
      await ctx.ledger.post(
        `/v1/pots/${ctx.potId}/interventions/${ctx.interventionId}/forecasts`,
        ctx.tokens.cc,
        { financialYear: '2025-26', quarter: 1, forecastOutturn: '1200.00', explanation: REASON },
      ),
      ['forecastId', 'budget', 'variance'],
    );
    const spare = expectWritten(
      await ctx.ledger.post('/v1/pots', ctx.tokens.admin, {
        name: 'Spare pot',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
      }),
      ['potId'],
    );
    // Outcome payments: a rate card on the main intervention, an intervention without one, and
    // bob's claims for every caller to validate, reject and (validated by the admin) pay.
    expectWritten(
      await ctx.ledger.post(
        `/v1/pots/${ctx.potId}/interventions/${ctx.interventionId}/rate-card`,
        ctx.tokens.admin,
        ACCESS_RATE_CARD,
      ),
      ['version'],
    );
    const rateCardIntervention = expectWritten(
      await ctx.ledger.post(`/v1/pots/${ctx.potId}/interventions`, ctx.tokens.admin, {
        name: 'Payment by results',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    let participant = 0;
    const claimByBob = async () =>
      expectWritten(
        await ctx.ledger.post(
          `/v1/pots/${ctx.potId}/interventions/${ctx.interventionId}/claims`,
          ctx.tokens.police,
          accessClaim(`SETUP-${++participant}`),
        ),
        ['claimId', 'price'],
      ).claimId as string;
    const claims = {
      toValidate: {} as Record<Caller, string>,
      toReject: {} as Record<Caller, string>,
      toPay: {} as Record<Caller, string>,
    };
    for (const caller of CALLERS) {
      claims.toValidate[caller] = await claimByBob();
      claims.toReject[caller] = await claimByBob();
      claims.toPay[caller] = await claimByBob();
      expectWritten(
        await ctx.ledger.post(
          `/v1/pots/${ctx.potId}/claims/${claims.toPay[caller]}/validate`,
          ctx.tokens.admin,
          {},
        ),
        ['claimId'],
      );
    }
    f = {
      ...ctx,
      claims,
      rateCardInterventionId: rateCardIntervention.interventionId as string,
      allocations,
      toApprove,
      toReject,
      sparePotId: spare.potId as string,
      bcfPotId: await openBcfPot(ctx),
      commitmentId: commitment.commitmentId as string,
    };
  });
  afterAll(async () => {
    await f?.ledger.close();
  });

  it('every route × every caller: allowed callers succeed, the others get 401/403 problem+json and append nothing', async () => {
    const mismatches: string[] = [];
    let n = 0;
    for (const row of ACCESS_TABLE) {
      for (const method of row.method === 'GET'
        ? (['GET', 'HEAD'] as const)
        : (['POST'] as const)) {
        for (const caller of CALLERS) {
          n += 1;
          const token = tokenOf(f, caller);
          currentCaller = caller;
          const before = await head(f.ledger);
          const res = await f.ledger.app.inject({
            method,
            url: row.url(f),
            headers: token === null ? {} : bearer(token),
            ...(method === 'POST' ? { payload: row.body!(f, caller, n) as object } : {}),
          });
          const cell = `${method} ${row.route} as ${caller}`;
          const expectAllowed = row.allowed.includes(caller);
          if (expectAllowed) {
            const ok = method === 'POST' ? res.statusCode === 201 : res.statusCode === 200;
            if (!ok)
              mismatches.push(
                `${cell}: expected allowed, got ${res.statusCode} ${res.body.slice(0, 200)}`,
              );
            else if (method === 'GET')
              mismatches.push(
                ...readPolicyMismatches(row, caller, `${cell} (${row.url(f)})`, res.body, true),
              );
          } else {
            const wanted = caller === 'no token' ? 401 : 403;
            if (res.statusCode !== wanted) {
              mismatches.push(
                `${cell}: expected ${wanted}, got ${res.statusCode} ${res.body.slice(0, 200)}`,
              );
            } else {
              if (!PROBLEM_JSON.test(String(res.headers['content-type'])))
                mismatches.push(`${cell}: denial is not problem+json`);
              if (method !== 'HEAD') {
                const code = res.json().code;
                if (code !== (wanted === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN'))
                  mismatches.push(`${cell}: denial code ${code}`);
              }
            }
            if ((await head(f.ledger)) !== before)
              mismatches.push(`${cell}: a denied request appended to the log`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  // Issue 13 item 9: every string of every write route's body, refused when it holds a bidi
  // control or an invisible format character; the answer names the field and the code point.
  it('every write route × every string in its body holding a hidden character: 400 VALIDATION_FAILED naming it, nothing appended', async () => {
    const HIDDEN = ['\u202E', '\u2066', '\u200B', '\uFEFF', '\u00AD', '\u200F', '\u{E0041}'];
    const writes = ACCESS_TABLE.filter((row) => row.method === 'POST');
    expect(writes.length).toBeGreaterThanOrEqual(17);
    const stringLeaves = (value: unknown, path: string): string[] =>
      typeof value === 'string'
        ? [path]
        : Array.isArray(value)
          ? value.flatMap((v, i) => stringLeaves(v, `${path}.${i}`))
          : value !== null && typeof value === 'object'
            ? Object.entries(value).flatMap(([k, v]) => stringLeaves(v, `${path}.${k}`))
            : [];
    const withHidden = (body: unknown, path: string, hidden: string, at: number): unknown => {
      const copy = structuredClone(body) as Record<string, unknown>;
      const keys = path.split('.').slice(1);
      let node = copy as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
      const last = keys.at(-1)!;
      const old = node[last] as string;
      const cut = Math.min(at, old.length);
      node[last] = `${old.slice(0, cut)}${hidden}${old.slice(cut)}`;
      return copy;
    };
    const mismatches: string[] = [];
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(writes.length - 1),
        fc.nat(),
        fc.constantFrom(...HIDDEN),
        fc.nat(40),
        async (r, leaf, hidden, at) => {
          const row = writes[r]!;
          const caller = row.allowed[0]!;
          currentCaller = caller;
          const body = row.body!(f, caller, 10_000 + sent);
          const leaves = stringLeaves(body, 'body');
          if (leaves.length === 0) return;
          const path = leaves[leaf % leaves.length]!;
          sent += 1;
          const before = await head(f.ledger);
          const res = await f.ledger.app.inject({
            method: 'POST',
            url: row.url(f),
            headers: bearer(tokenOf(f, caller)!),
            payload: withHidden(body, path, hidden, at) as object,
          });
          const code = `U+${hidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
          const problem =
            res.statusCode === 400 ? (res.json() as { code: string; detail: string }) : undefined;
          if (
            problem?.code !== 'VALIDATION_FAILED' ||
            !problem.detail.includes(path) ||
            !problem.detail.includes(code)
          ) {
            mismatches.push(
              `POST ${row.route} ${path} with ${code}: ${res.statusCode} ${res.body.slice(0, 300)}`,
            );
          }
          if ((await head(f.ledger)) !== before)
            mismatches.push(`POST ${row.route} ${path} with ${code}: appended`);
        },
      ),
      { numRuns: 300 },
    );
    expect(mismatches).toEqual([]);
    expect(sent).toBeGreaterThan(100);
  });

  it('the table lists every route the app serves under /v1 (and no route the app lacks)', async () => {
    const served = routesOf(f.ledger.app.printRoutes({ commonPrefix: false }));
    // Sanity: the parser reads the deepest route of the tree.
    expect(served).toContain('POST /v1/pots/:potId/interventions/:interventionId/outcomes');
    const tabled = new Set(
      ACCESS_TABLE.flatMap((row) =>
        row.method === 'GET' ? [`GET ${row.route}`, `HEAD ${row.route}`] : [`POST ${row.route}`],
      ),
    );
    const isApi = (route: string) =>
      route.split(' ')[1]!.startsWith('/v1') ||
      ['/health', '/ready', '/metrics', '/openapi.json'].includes(route.split(' ')[1]!);
    expect(
      served.filter(isApi).filter((route) => !tabled.has(route)),
      'routes served but missing from the access table',
    ).toEqual([]);
    expect(
      [...tabled].filter((route) => !served.includes(route)),
      'routes in the access table the app does not serve',
    ).toEqual([]);

    // The OpenAPI document agrees: every documented /v1 operation is in the table.
    const doc = (await f.ledger.get('/openapi.json', null)).json();
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, Record<string, unknown>>,
    )) {
      if (!path.startsWith('/v1')) continue;
      const route = path.replace(/\{(\w+)\}/g, ':$1');
      for (const method of Object.keys(item).filter((k) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(k),
      )) {
        expect(
          tabled.has(`${method.toUpperCase()} ${route}`),
          `${method.toUpperCase()} ${route} is documented but not in the access table`,
        ).toBe(true);
      }
    }
  });
});

/** Routes that read the event log itself, not the books: they take no asAt / atPosition (a checkpoint's size looks back instead). */
const LOG_ROUTES = new Set([
  // The pot's claims, read from its stream as the next command would be decided on.
  '/v1/pots/:potId/claims',
  // Not the log, but not the books either: what settling would record now, on the write side's state.
  '/v1/pots/:potId/financial-years/:financialYear/settlement-preview',
  '/v1/events',
  '/v1/audit/checkpoint',
  '/v1/audit/proof/:eventId',
  '/v1/audit/consistency',
]);

describe('access table, read as at a date and a position', () => {
  it('every GET that reads the books, with ?asAt=&atPosition=: the same callers allowed, the same refused', async () => {
    // These rows' URLs need no allocations: only the reversal row reads them.
    const ctx = await scenarioCtx();
    const f: Fixture = {
      ...ctx,
      allocations: {} as Fixture['allocations'],
      toApprove: {} as Fixture['toApprove'],
      toReject: {} as Fixture['toReject'],
      sparePotId: '',
      bcfPotId: await openBcfPot(ctx),
    };
    try {
      expectWritten(await f.ledger.post('/v1/unit-costs', f.tokens.admin, ACCESS_UNIT_COST), [
        'code',
        'version',
      ]);
      const at = await head(f.ledger);
      const mismatches: string[] = [];
      // The log routes read the raw log, not the books.
      const rows = ACCESS_TABLE.filter(
        (row) => row.method === 'GET' && row.route.startsWith('/v1/') && !LOG_ROUTES.has(row.route),
      );
      expect(rows.length).toBeGreaterThanOrEqual(7);
      for (const row of rows) {
        for (const caller of CALLERS) {
          const url = row.url(f);
          const res = await f.ledger.get(
            `${url}${url.includes('?') ? '&' : '?'}asAt=2026-03-31&atPosition=${at}`,
            tokenOf(f, caller),
          );
          const wanted = row.allowed.includes(caller) ? 200 : caller === 'no token' ? 401 : 403;
          if (res.statusCode !== wanted)
            mismatches.push(
              `GET ${row.route} as ${caller}: expected ${wanted}, got ${res.statusCode} ${res.body.slice(0, 200)}`,
            );
          else if (wanted === 200 && res.headers['ledger-as-at'] !== '2026-03-31')
            mismatches.push(`GET ${row.route} as ${caller}: no Ledger-As-At`);
          else if (wanted === 200)
            mismatches.push(
              ...readPolicyMismatches(
                row,
                caller,
                `GET ${url} as ${caller}, as at`,
                res.body,
                false,
              ),
            );
        }
      }
      expect(mismatches).toEqual([]);
    } finally {
      await f.ledger.close();
    }
  });
});

describe('tokens over time', () => {
  it('a token is refused once it expires, even after it was accepted (and cached) before', async () => {
    const ctx = await scenarioCtx();
    try {
      const shortLived = ctx.ledger.token('admin', { sub: 'temp', expiresIn: '1s' });
      expect((await ctx.ledger.get('/v1/pots', shortLived)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expectProblem(await ctx.ledger.get('/v1/pots', shortLived), 401, 'UNAUTHENTICATED');
      const before = await head(ctx.ledger);
      expectProblem(
        await ctx.ledger.post('/v1/agencies', shortLived, {
          agencyId: 'late-agency',
          name: 'Late',
          kind: 'other',
        }),
        401,
        'UNAUTHENTICATED',
      );
      expect(await head(ctx.ledger)).toBe(before);
    } finally {
      await ctx.ledger.close();
    }
  });

  it('a token signed for another ledger (another secret) is refused on every route', async () => {
    const ctx = await scenarioCtx();
    try {
      const foreign = ctx.ledger.token('admin', {
        secret: 'a-different-ledger-secret-0123456789abcdef',
      });
      for (const url of [
        '/v1/agencies',
        '/v1/pots',
        `/v1/pots/${ctx.potId}`,
        '/v1/flows',
        '/v1/audit',
        '/v1/events',
        '/v1/agencies/essex-cc/balances',
      ]) {
        expectProblem(await ctx.ledger.get(url, foreign), 401, 'UNAUTHENTICATED');
      }
    } finally {
      await ctx.ledger.close();
    }
  });
});
