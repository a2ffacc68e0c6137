/**
 * The reference model the model-based suite holds the HTTP app to: what the ledger should
 * answer to each request and what its books should then say, written from the contract alone
 * (docs/api.md and docs/finance-officers.md; shared/DESIGN.md beside the repository).
 *
 * It shares no code with the ledger: no deciders (commands/), no money module (events/money.ts),
 * no projections. Money is bigint pence; splits use its own largest-remainder rounding (ties:
 * agency id ascending). Its state is the list of what happened — registered agencies, and per
 * pot every accepted entry with a reversed flag — and every figure is derived from that list
 * when asked for, so there is no running total that could drift the way the app's might.
 */

// ---- pence ------------------------------------------------------------------------------------

export type Pence = bigint;

/** "1234.50" for 123450n (and "-0.05" for -5n), as the API writes money. */
export function penceText(pence: Pence): string {
  const sign = pence < 0n ? '-' : '';
  const abs = pence < 0n ? -pence : pence;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Exact pence of a decimal text with at most two places ("12", "12.5", "-3.07"). */
export function parsePence(text: string): Pence {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) throw new Error(`not a whole number of pence: ${JSON.stringify(text)}`);
  const value = BigInt(match[2]!) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

/** DESIGN "Money": amounts are positive and at most £1,000,000,000,000.00. */
export const MAX_AMOUNT_PENCE = 100_000_000_000_000n;

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A ratio to 4 decimal places, half to even (the reports' "return per £"), or null over nothing. */
export function ratioText(numerator: Pence, denominator: Pence): string | null {
  if (denominator === 0n) return null;
  // A year with a reversal counted in it can have a negative side: work on magnitudes.
  const negative = numerator < 0n !== denominator < 0n && numerator !== 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = (n * 10_000n) / d;
  const twiceRemainder = 2n * ((n * 10_000n) % d);
  if (twiceRemainder > d || (twiceRemainder === d && q % 2n === 1n)) q += 1n;
  return `${negative && q !== 0n ? '-' : ''}${q / 10_000n}.${(q % 10_000n).toString().padStart(4, '0')}`;
}

/**
 * The business date the model's ledger runs on (its clock starts there, a millisecond a call):
 * a reversal without a date is dated today, later than every date the commands use.
 */
export const MODEL_TODAY = '2026-06-01';

/** UK public-sector financial year of a business date: 1 April – 31 March, "2025-26". */
export function financialYearOf(date: string): string {
  const year = Number(date.slice(0, 4));
  const start = Number(date.slice(5, 7)) >= 4 ? year : year - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/**
 * DESIGN "Money": split `total` in proportion to the weights, each part the floor of its exact
 * share, the pennies left over handed out one each to the largest remainders, ties to the
 * lower agency id. Returns every weighted key (a part may be zero), in agency id order.
 */
export function largestRemainder(
  total: Pence,
  weights: ReadonlyMap<string, Pence>,
): Map<string, Pence> {
  const keys = [...weights.keys()].sort(byId);
  const weightSum = keys.reduce((sum, key) => sum + weights.get(key)!, 0n);
  if (weightSum <= 0n) throw new Error('model: a split needs a positive weight');
  const parts = new Map<string, Pence>();
  const remainders: { key: string; remainder: bigint }[] = [];
  let handedOut = 0n;
  for (const key of keys) {
    const exactTimesSum = total * weights.get(key)!;
    parts.set(key, exactTimesSum / weightSum);
    handedOut += exactTimesSum / weightSum;
    remainders.push({ key, remainder: exactTimesSum % weightSum });
  }
  // A stable sort keeps agency id order among equal remainders.
  remainders.sort((a, b) => (a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1));
  let left = total - handedOut;
  for (const { key } of remainders) {
    if (left === 0n) break;
    parts.set(key, parts.get(key)! + 1n);
    left -= 1n;
  }
  if (left !== 0n) throw new Error('model: pennies left over after a split');
  return parts;
}

// ---- who asks, and what --------------------------------------------------------------------

export type Role = 'admin' | 'finance-officer' | 'auditor' | 'reporter';

export interface ModelActor {
  readonly sub: string;
  readonly role: Role;
  readonly agencyId?: string;
}

export interface BenefitLine {
  readonly agencyId: string;
  readonly amount: string;
  readonly cashable: boolean;
}

/** Every write the API offers, as data: the model judges it, the driver sends it. */
export type ModelRequest =
  | {
      readonly kind: 'registerAgency';
      readonly actor: ModelActor;
      readonly body: { agencyId: string; name: string; kind: string };
    }
  | {
      readonly kind: 'openPot';
      readonly actor: ModelActor;
      readonly body: {
        name: string;
        area: string;
        hostAgencyId: string;
        partnerAgencyIds: string[];
      };
    }
  | {
      readonly kind: 'joinPot';
      readonly actor: ModelActor;
      readonly potId: string;
      readonly body: { agencyId: string };
    }
  | {
      readonly kind: 'contribute';
      readonly actor: ModelActor;
      readonly potId: string;
      readonly body: { agencyId: string; amount: string; effectiveDate: string; reference: string };
    }
  | {
      readonly kind: 'define';
      readonly actor: ModelActor;
      readonly potId: string;
      readonly body: { name: string; leadAgencyId: string };
    }
  | {
      readonly kind: 'allocate';
      readonly actor: ModelActor;
      readonly potId: string;
      readonly body: {
        interventionId: string;
        amount: string;
        effectiveDate: string;
        reason: string;
      };
    }
  | {
      readonly kind: 'outcome';
      readonly actor: ModelActor;
      readonly potId: string;
      readonly interventionId: string;
      readonly body: { description: string; effectiveDate: string; benefits: BenefitLine[] };
    }
  | {
      readonly kind: 'reverse';
      readonly actor: ModelActor;
      readonly potId: string;
      readonly body: { eventId: string; reason: string; effectiveDate?: string };
    };

export function urlOf(request: ModelRequest): string {
  switch (request.kind) {
    case 'registerAgency':
      return '/v1/agencies';
    case 'openPot':
      return '/v1/pots';
    case 'joinPot':
      return `/v1/pots/${request.potId}/partners`;
    case 'contribute':
      return `/v1/pots/${request.potId}/contributions`;
    case 'define':
      return `/v1/pots/${request.potId}/interventions`;
    case 'allocate':
      return `/v1/pots/${request.potId}/allocations`;
    case 'outcome':
      return `/v1/pots/${request.potId}/interventions/${request.interventionId}/outcomes`;
    case 'reverse':
      return `/v1/pots/${request.potId}/reversals`;
  }
}

/** Which roles each route lets in at all (DESIGN "HTTP API"), checked before anything else. */
const ROUTE_ROLES: Readonly<Record<ModelRequest['kind'], readonly Role[]>> = {
  registerAgency: ['admin'],
  openPot: ['admin'],
  joinPot: ['admin'],
  contribute: ['finance-officer'],
  define: ['finance-officer', 'admin'],
  allocate: ['finance-officer', 'admin'],
  outcome: ['finance-officer', 'admin'],
  reverse: ['finance-officer', 'admin'],
};

/** JSON with object keys sorted, so two bodies that differ only in key order are one request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byId(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** "The same request" for an idempotency key: the same sender, route and body. */
export function fingerprintOf(request: ModelRequest): string {
  return canonical({ actor: request.actor, url: urlOf(request), body: request.body });
}

/** An idempotency key as the ledger scopes it: the caller's sub and the key. */
function callerKey(actor: ModelActor, key: string): string {
  return `${actor.sub}\u0000${key}`;
}

// ---- what the model expects ------------------------------------------------------------------

/** The JSON of a 201 answer. */
export type WriteAnswer = Record<string, unknown> & { eventId: string; position: string };

export type Expectation =
  | { readonly outcome: 'refused'; readonly status: number; readonly code: string }
  | {
      readonly outcome: 'accepted';
      /** Event types the command appends, in log order. */
      readonly eventTypes: readonly string[];
      /**
       * A keyed command that creates a stream may first claim its key in a stream of its own
       * (an IdempotencyKeyClaimed event), so that a retry reaches the same new stream. Whether
       * it needs to is the app's choice (an agency's stream is named by its body, a pot's is not):
       * the model allows one claim, right before the event, and no more.
       */
      readonly mayClaimKey: boolean;
      /** The answer's keys besides eventId and position. */
      readonly answerKeys: readonly string[];
      /** The answer's fields the model can foresee (splits, echoed ids). */
      readonly predicted: Readonly<Record<string, unknown>>;
      /** Takes the accepted command into the model, with the ids the server chose. */
      commit(answer: WriteAnswer): void;
    }
  | { readonly outcome: 'replayed'; readonly answer: WriteAnswer };

const refused = (status: number, code: string): Expectation => ({
  outcome: 'refused',
  status,
  code,
});

// ---- the books, as a list of what happened -------------------------------------------------

export interface Share {
  readonly agencyId: string;
  readonly pence: Pence;
}

export interface Flow {
  readonly fromAgencyId: string;
  readonly toAgencyId: string;
  readonly pence: Pence;
  readonly cashable: boolean;
}

export type Entry =
  | {
      readonly kind: 'contribution';
      readonly agencyId: string;
      readonly pence: Pence;
      readonly date: string;
      reversed: boolean;
      reversedOn?: string;
    }
  | {
      readonly kind: 'allocation';
      readonly interventionId: string;
      readonly pence: Pence;
      readonly shares: readonly Share[];
      readonly date: string;
      reversed: boolean;
      reversedOn?: string;
    }
  | {
      readonly kind: 'outcome';
      readonly interventionId: string;
      readonly benefits: readonly { agencyId: string; pence: Pence; cashable: boolean }[];
      readonly flows: readonly Flow[];
      readonly date: string;
      reversed: boolean;
      reversedOn?: string;
    }
  | { readonly kind: 'other'; readonly type: string };

export interface ModelPot {
  readonly potId: string;
  readonly name: string;
  readonly area: string;
  readonly hostAgencyId: string;
  /** In the order they became partners. */
  readonly partners: string[];
  /** In the order they were defined. */
  readonly interventions: Map<string, { name: string; leadAgencyId: string }>;
  /** Every event of the pot's stream, by event id, in log order. */
  readonly entries: Map<string, Entry>;
}

export interface KeyedRequest {
  readonly key: string;
  readonly request: ModelRequest;
}

export class ReferenceModel {
  readonly agencies = new Map<string, { name: string; kind: string; eventId: string }>();
  /** In the order they were opened. */
  readonly pots = new Map<string, ModelPot>();
  /**
   * Idempotency keys of accepted commands, per caller (DESIGN "Idempotency", issue 13: a key
   * belongs to the token's sub): who sent what, and the answer a retry gets.
   */
  readonly keys = new Map<string, { fingerprint: string; answer: WriteAnswer }>();
  /** Every keyed request sent, accepted or not, for retries to pick from. */
  readonly keyedRequests: KeyedRequest[] = [];

  // ---- derived figures ----

  contributedBy(pot: ModelPot, agencyId: string): Pence {
    let total = 0n;
    for (const e of pot.entries.values())
      if (e.kind === 'contribution' && !e.reversed && e.agencyId === agencyId) total += e.pence;
    return total;
  }

  drawnFrom(pot: ModelPot, agencyId: string): Pence {
    let total = 0n;
    for (const e of pot.entries.values()) {
      if (e.kind !== 'allocation' || e.reversed) continue;
      for (const s of e.shares) if (s.agencyId === agencyId) total += s.pence;
    }
    return total;
  }

  stakeOf(pot: ModelPot, agencyId: string): Pence {
    return this.contributedBy(pot, agencyId) - this.drawnFrom(pot, agencyId);
  }

  contributed(pot: ModelPot): Pence {
    let total = 0n;
    for (const e of pot.entries.values())
      if (e.kind === 'contribution' && !e.reversed) total += e.pence;
    return total;
  }

  allocated(pot: ModelPot): Pence {
    let total = 0n;
    for (const e of pot.entries.values())
      if (e.kind === 'allocation' && !e.reversed) total += e.pence;
    return total;
  }

  available(pot: ModelPot): Pence {
    return this.contributed(pot) - this.allocated(pot);
  }

  /** Each agency's net funding of an intervention: its shares of allocations still standing. */
  fundingOf(pot: ModelPot, interventionId: string): Map<string, Pence> {
    const funding = new Map<string, Pence>();
    for (const e of pot.entries.values()) {
      if (e.kind !== 'allocation' || e.reversed || e.interventionId !== interventionId) continue;
      for (const s of e.shares) funding.set(s.agencyId, (funding.get(s.agencyId) ?? 0n) + s.pence);
    }
    return funding;
  }

  /** Benefits still standing (outcomes not retracted) on an intervention. */
  benefitsOn(pot: ModelPot, interventionId: string): Pence {
    let total = 0n;
    for (const e of pot.entries.values()) {
      if (e.kind !== 'outcome' || e.reversed || e.interventionId !== interventionId) continue;
      for (const b of e.benefits) total += b.pence;
    }
    return total;
  }

  /** Standing outcomes of an intervention recorded after the given entry, in log order. */
  outcomesAfter(pot: ModelPot, eventId: string, interventionId: string): number {
    let after = false;
    let count = 0;
    for (const [id, e] of pot.entries) {
      if (id === eventId) after = true;
      else if (after && e.kind === 'outcome' && !e.reversed && e.interventionId === interventionId)
        count += 1;
    }
    return count;
  }

  isPartner(pot: ModelPot, agencyId: string | undefined): boolean {
    return agencyId !== undefined && pot.partners.includes(agencyId);
  }

  /** An allocation draws from the partners in proportion to their unallocated stakes. */
  sharesFor(pot: ModelPot, amount: Pence): Share[] {
    const stakes = new Map<string, Pence>();
    for (const agencyId of pot.partners) {
      const stake = this.stakeOf(pot, agencyId);
      if (stake > 0n) stakes.set(agencyId, stake);
    }
    return [...largestRemainder(amount, stakes)]
      .filter(([, p]) => p > 0n)
      .map(([agencyId, pence]) => ({ agencyId, pence }));
  }

  /**
   * Benefit flows: each benefit line split among the intervention's funders in proportion to
   * their net funding, then summed per (investor, beneficiary, cashable).
   */
  flowsFor(
    funding: ReadonlyMap<string, Pence>,
    benefits: readonly { agencyId: string; pence: Pence; cashable: boolean }[],
  ): Flow[] {
    const funders = new Map([...funding].filter(([, p]) => p > 0n));
    const totals = new Map<string, Flow>();
    for (const line of benefits) {
      for (const [from, pence] of largestRemainder(line.pence, funders)) {
        if (pence === 0n) continue;
        const key = `${from}|${line.agencyId}|${line.cashable}`;
        const before = totals.get(key);
        totals.set(key, {
          fromAgencyId: from,
          toAgencyId: line.agencyId,
          cashable: line.cashable,
          pence: (before?.pence ?? 0n) + pence,
        });
      }
    }
    return [...totals.values()].sort(
      (a, b) =>
        byId(a.fromAgencyId, b.fromAgencyId) ||
        byId(a.toAgencyId, b.toAgencyId) ||
        Number(b.cashable) - Number(a.cashable),
    );
  }

  potOf(potId: string): ModelPot {
    const pot = this.pots.get(potId);
    if (pot === undefined) throw new Error(`model: no pot ${potId}`);
    return pot;
  }

  /** Every event id the model has seen accepted, with the pot whose stream holds it (none for agencies). */
  knownEventIds(): { eventId: string; potId: string | null }[] {
    const ids: { eventId: string; potId: string | null }[] = [...this.agencies.values()].map(
      (a) => ({ eventId: a.eventId, potId: null }),
    );
    for (const pot of this.pots.values())
      for (const eventId of pot.entries.keys()) ids.push({ eventId, potId: pot.potId });
    return ids;
  }

  // ---- judging a request ----

  /**
   * What the API must answer: the route's roles first (before the body is even read), then the
   * idempotency key (a caller's key names one request of that caller, ledger-wide; another
   * caller's same key is another command), then the rules of the command.
   * Pure: nothing changes until the caller commits an acceptance.
   */
  expect(request: ModelRequest, key?: string): Expectation {
    if (!ROUTE_ROLES[request.kind].includes(request.actor.role)) return refused(403, 'FORBIDDEN');
    // The body's schema is checked before anything is decided: an amount out of range never gets further.
    if (amountsOf(request).some((a) => a <= 0n || a > MAX_AMOUNT_PENCE))
      return refused(400, 'VALIDATION_FAILED');
    if (key !== undefined) {
      const used = this.keys.get(callerKey(request.actor, key));
      if (used !== undefined)
        return used.fingerprint === fingerprintOf(request)
          ? { outcome: 'replayed', answer: used.answer }
          : refused(409, 'IDEMPOTENCY_KEY_REUSED');
    }
    const verdict = this.judge(request);
    if (verdict.outcome !== 'accepted' || key === undefined) return verdict;
    return {
      ...verdict,
      mayClaimKey: request.kind === 'registerAgency' || request.kind === 'openPot',
      commit: (answer) => {
        verdict.commit(answer);
        this.keys.set(callerKey(request.actor, key), {
          fingerprint: fingerprintOf(request),
          answer,
        });
      },
    };
  }

  private judge(request: ModelRequest): Expectation {
    switch (request.kind) {
      case 'registerAgency':
        return this.judgeRegisterAgency(request);
      case 'openPot':
        return this.judgeOpenPot(request);
      default:
        return this.judgeOnPot(request);
    }
  }

  private judgeRegisterAgency(
    request: Extract<ModelRequest, { kind: 'registerAgency' }>,
  ): Expectation {
    const { agencyId, name, kind } = request.body;
    if (this.agencies.has(agencyId)) return refused(409, 'ALREADY_EXISTS');
    return accepted('AgencyRegistered', ['agencyId'], { agencyId }, (answer) => {
      this.agencies.set(agencyId, { name, kind, eventId: answer.eventId });
    });
  }

  private judgeOpenPot(request: Extract<ModelRequest, { kind: 'openPot' }>): Expectation {
    const { name, area, hostAgencyId, partnerAgencyIds } = request.body;
    if (new Set(partnerAgencyIds).size !== partnerAgencyIds.length)
      return refused(400, 'VALIDATION_FAILED');
    // The host keeps the pool's accounts, so it is always a partner: first, when not listed.
    const partners = partnerAgencyIds.includes(hostAgencyId)
      ? [...partnerAgencyIds]
      : [hostAgencyId, ...partnerAgencyIds];
    if (partners.some((id) => !this.agencies.has(id))) return refused(404, 'NOT_FOUND');
    return accepted('PotOpened', ['potId'], {}, (answer) => {
      const potId = answer.potId as string;
      this.pots.set(potId, {
        potId,
        name,
        area,
        hostAgencyId,
        partners,
        interventions: new Map(),
        entries: new Map([[answer.eventId, { kind: 'other', type: 'PotOpened' }]]),
      });
    });
  }

  private judgeOnPot(
    request: Exclude<ModelRequest, { kind: 'registerAgency' | 'openPot' }>,
  ): Expectation {
    const pot = this.pots.get(request.potId);
    if (pot === undefined) return refused(404, 'NOT_FOUND');
    const { actor } = request;
    // A finance officer acts only on pots their agency is a partner of.
    if (actor.role === 'finance-officer' && !this.isPartner(pot, actor.agencyId))
      return refused(403, 'FORBIDDEN');
    const record = (type: string) => (answer: WriteAnswer) =>
      pot.entries.set(answer.eventId, { kind: 'other', type });

    switch (request.kind) {
      case 'joinPot': {
        const { agencyId } = request.body;
        if (!this.agencies.has(agencyId)) return refused(404, 'NOT_FOUND');
        if (this.isPartner(pot, agencyId)) return refused(409, 'ALREADY_EXISTS');
        return accepted(
          'PartnerJoined',
          ['potId', 'agencyId'],
          { potId: pot.potId, agencyId },
          (answer) => {
            pot.partners.push(agencyId);
            record('PartnerJoined')(answer);
          },
        );
      }

      case 'contribute': {
        const { agencyId, amount, effectiveDate } = request.body;
        // Nobody commits another body's budget: a finance officer pays in for their own agency only.
        if (actor.role === 'finance-officer' && actor.agencyId !== agencyId)
          return refused(403, 'FORBIDDEN');
        if (!this.isPartner(pot, agencyId)) return refused(409, 'NOT_A_PARTNER');
        // A pot never holds more than one amount may carry, so every stake and return stays one.
        if (this.contributed(pot) + parsePence(amount) > MAX_AMOUNT_PENCE)
          return refused(409, 'AMOUNT_LIMIT_EXCEEDED');
        return accepted('ContributionReceived', ['contributionId'], {}, (answer) => {
          pot.entries.set(answer.eventId, {
            kind: 'contribution',
            agencyId,
            pence: parsePence(amount),
            date: effectiveDate,
            reversed: false,
          });
        });
      }

      case 'define': {
        const { name, leadAgencyId } = request.body;
        if (!this.isPartner(pot, leadAgencyId)) return refused(409, 'NOT_A_PARTNER');
        return accepted('InterventionDefined', ['interventionId'], {}, (answer) => {
          pot.interventions.set(answer.interventionId as string, { name, leadAgencyId });
          record('InterventionDefined')(answer);
        });
      }

      case 'allocate': {
        const { interventionId, amount, effectiveDate } = request.body;
        if (!pot.interventions.has(interventionId)) return refused(404, 'NOT_FOUND');
        const pence = parsePence(amount);
        if (pence > this.available(pot)) return refused(409, 'INSUFFICIENT_FUNDS');
        const shares = this.sharesFor(pot, pence);
        const predicted = {
          fundingShares: shares.map((s) => ({ agencyId: s.agencyId, amount: penceText(s.pence) })),
        };
        return accepted(
          'FundsAllocated',
          ['allocationId', 'status', 'fundingShares'],
          predicted,
          (answer) => {
            pot.entries.set(answer.eventId, {
              kind: 'allocation',
              interventionId,
              pence,
              shares,
              date: effectiveDate,
              reversed: false,
            });
          },
        );
      }

      case 'outcome': {
        const { interventionId } = request;
        const { benefits, effectiveDate } = request.body;
        if (benefits.some((b) => !this.agencies.has(b.agencyId))) return refused(404, 'NOT_FOUND');
        if (!pot.interventions.has(interventionId)) return refused(404, 'NOT_FOUND');
        const funding = this.fundingOf(pot, interventionId);
        if (![...funding.values()].some((p) => p > 0n))
          return refused(409, 'UNFUNDED_INTERVENTION');
        const lines = benefits.map((b) => ({
          agencyId: b.agencyId,
          pence: parsePence(b.amount),
          cashable: b.cashable,
        }));
        const flows = this.flowsFor(funding, lines);
        // Lines for one beneficiary add up into one flow per investor; no amount an event holds
        // may pass the £1tn limit, so such an outcome is invalid input, not a smaller record.
        if (flows.some((f) => f.pence > MAX_AMOUNT_PENCE)) return refused(400, 'VALIDATION_FAILED');
        const predicted = {
          flows: flows.map((f) => ({
            fromAgencyId: f.fromAgencyId,
            toAgencyId: f.toAgencyId,
            amount: penceText(f.pence),
            cashable: f.cashable,
          })),
        };
        return accepted('OutcomeRecorded', ['outcomeId', 'flows'], predicted, (answer) => {
          pot.entries.set(answer.eventId, {
            kind: 'outcome',
            interventionId,
            benefits: lines,
            flows,
            date: effectiveDate,
            reversed: false,
          });
        });
      }

      case 'reverse': {
        const { eventId, effectiveDate } = request.body;
        const entry = pot.entries.get(eventId);
        if (entry === undefined) return refused(404, 'NOT_FOUND');
        if (entry.kind === 'other') return refused(400, 'VALIDATION_FAILED');
        if (entry.reversed) return refused(409, 'ALREADY_REVERSED');
        if (entry.kind === 'contribution') {
          if (actor.role === 'finance-officer' && actor.agencyId !== entry.agencyId)
            return refused(403, 'FORBIDDEN');
          // Undoing money already drawn would take the agency's stake below zero.
          if (entry.pence > this.stakeOf(pot, entry.agencyId))
            return refused(409, 'INSUFFICIENT_FUNDS');
        }
        // Benefits never outlive their funding: an allocation goes only once no standing outcome
        // of its intervention was recorded after it (those outcomes' flows were split by it).
        if (
          entry.kind === 'allocation' &&
          this.outcomesAfter(pot, eventId, entry.interventionId) > 0
        ) {
          return refused(409, 'OUTCOMES_DEPEND_ON_ALLOCATION');
        }
        // A correction is never dated before the entry it undoes.
        if (effectiveDate !== undefined && effectiveDate < entry.date)
          return refused(400, 'VALIDATION_FAILED');
        const type =
          entry.kind === 'contribution'
            ? 'ContributionReversed'
            : entry.kind === 'allocation'
              ? 'AllocationReversed'
              : 'OutcomeRetracted';
        const predicted = {
          type,
          reversedEventId: eventId,
          ...(entry.kind === 'outcome' ? {} : { amount: penceText(entry.pence) }),
        };
        const answerKeys =
          entry.kind === 'outcome'
            ? ['type', 'reversedEventId']
            : ['type', 'reversedEventId', 'amount'];
        return accepted(type, answerKeys, predicted, (answer) => {
          entry.reversed = true;
          // Dated as asked, or today, but never before the entry it undoes.
          entry.reversedOn = effectiveDate ?? (MODEL_TODAY > entry.date ? MODEL_TODAY : entry.date);
          record(type)(answer);
        });
      }
    }
  }

  // ---- the books the API should show ----

  /** GET /v1/pots/:potId, the fields the reporting side relies on. */
  potView(pot: ModelPot) {
    return {
      potId: pot.potId,
      name: pot.name,
      area: pot.area,
      hostAgencyId: pot.hostAgencyId,
      contributed: penceText(this.contributed(pot)),
      allocated: penceText(this.allocated(pot)),
      available: penceText(this.available(pot)),
      partners: pot.partners.map((agencyId) => ({
        agencyId,
        contributed: penceText(this.contributedBy(pot, agencyId)),
        drawn: penceText(this.drawnFrom(pot, agencyId)),
        // The model's pots are never closed, so nothing is ever returned.
        returned: '0.00',
        stake: penceText(this.stakeOf(pot, agencyId)),
      })),
      interventions: [...pot.interventions].map(([interventionId, i]) => ({
        interventionId,
        name: i.name,
        leadAgencyId: i.leadAgencyId,
        funded: penceText(sumOf(this.fundingOf(pot, interventionId).values())),
        benefits: penceText(this.benefitsOn(pot, interventionId)),
      })),
    };
  }

  /** GET /v1/agencies/:agencyId/balances: per pot the agency is a partner of or benefited in, and in total. */
  balancesView(agencyId: string) {
    const perPot: ({ potId: string } & Figures)[] = [];
    for (const pot of [...this.pots.values()].sort((a, b) => byId(a.potId, b.potId))) {
      const outcomes = [...pot.entries.values()].filter(
        (e): e is Extract<Entry, { kind: 'outcome' }> => e.kind === 'outcome',
      );
      const named =
        this.isPartner(pot, agencyId) ||
        outcomes.some((o) => o.benefits.some((b) => b.agencyId === agencyId));
      if (!named) continue;
      const standing = outcomes.filter((o) => !o.reversed);
      const received = (cashable: boolean) =>
        sumOf(
          standing.flatMap((o) =>
            o.benefits
              .filter((b) => b.agencyId === agencyId && b.cashable === cashable)
              .map((b) => b.pence),
          ),
        );
      perPot.push({
        potId: pot.potId,
        contributed: this.contributedBy(pot, agencyId),
        drawn: this.drawnFrom(pot, agencyId),
        cashable: received(true),
        nonCashable: received(false),
        // Benefit that lands in the investor's own budget is a return, not a benefit for others.
        producedForOthers: sumOf(
          standing.flatMap((o) =>
            o.flows
              .filter((f) => f.fromAgencyId === agencyId && f.toAgencyId !== agencyId)
              .map((f) => f.pence),
          ),
        ),
      });
    }
    const total: Figures = {
      contributed: sumOf(perPot.map((p) => p.contributed)),
      drawn: sumOf(perPot.map((p) => p.drawn)),
      cashable: sumOf(perPot.map((p) => p.cashable)),
      nonCashable: sumOf(perPot.map((p) => p.nonCashable)),
      producedForOthers: sumOf(perPot.map((p) => p.producedForOthers)),
    };
    return {
      agencyId,
      total: balancesText(total),
      pots: perPot.map((p) => ({ potId: p.potId, ...balancesText(p) })),
    };
  }

  /**
   * GET /v1/flows: the investor → beneficiary matrix and per-agency totals. Investment counts
   * in the financial year of its allocation, benefit in the year of its outcome, and a reversal
   * counts, negative, in the year it is dated in (issue 13 item 4): over every year a reversed
   * entry nets to nothing. The model never closes a year, so nothing is a prior-period adjustment.
   */
  flowsView(scope: { potId?: string; financialYear?: string } = {}) {
    const inYear = (date: string) =>
      scope.financialYear === undefined || financialYearOf(date) === scope.financialYear;
    const rows = new Map<
      string,
      { fromAgencyId: string; toAgencyId: string; amount: Pence; cashable: Pence }
    >();
    const totals = new Map<
      string,
      { invested: Pence; produced: Pence; producedForOthers: Pence; received: Pence }
    >();
    const totalsOf = (agencyId: string) => {
      const t = totals.get(agencyId) ?? {
        invested: 0n,
        produced: 0n,
        producedForOthers: 0n,
        received: 0n,
      };
      totals.set(agencyId, t);
      return t;
    };
    for (const pot of this.pots.values()) {
      if (scope.potId !== undefined && pot.potId !== scope.potId) continue;
      for (const e of pot.entries.values()) {
        if (e.kind !== 'allocation' && e.kind !== 'outcome') continue;
        // +1 where the entry counts, −1 where its reversal does; both in scope cancel.
        const sign =
          (inYear(e.date) ? 1n : 0n) -
          (e.reversedOn !== undefined && inYear(e.reversedOn) ? 1n : 0n);
        if (sign === 0n) continue;
        if (e.kind === 'allocation') {
          for (const s of e.shares) totalsOf(s.agencyId).invested += sign * s.pence;
          continue;
        }
        for (const f of e.flows) {
          const pence = sign * f.pence;
          const key = `${f.fromAgencyId} ${f.toAgencyId}`;
          const row = rows.get(key) ?? {
            fromAgencyId: f.fromAgencyId,
            toAgencyId: f.toAgencyId,
            amount: 0n,
            cashable: 0n,
          };
          row.amount += pence;
          if (f.cashable) row.cashable += pence;
          rows.set(key, row);
          totalsOf(f.fromAgencyId).produced += pence;
          if (f.fromAgencyId !== f.toAgencyId) totalsOf(f.fromAgencyId).producedForOthers += pence;
          totalsOf(f.toAgencyId).received += pence;
        }
      }
    }
    return {
      rows: [...rows.values()]
        .filter((r) => r.amount !== 0n)
        .sort((a, b) => byId(a.fromAgencyId, b.fromAgencyId) || byId(a.toAgencyId, b.toAgencyId))
        .map((r) => ({
          fromAgencyId: r.fromAgencyId,
          toAgencyId: r.toAgencyId,
          amount: penceText(r.amount),
          cashableAmount: penceText(r.cashable),
        })),
      agencies: [...totals]
        .filter(([, t]) => t.invested !== 0n || t.produced !== 0n || t.received !== 0n)
        .sort(([a], [b]) => byId(a, b))
        .map(([agencyId, t]) => ({
          agencyId,
          invested: penceText(t.invested),
          benefitsProduced: penceText(t.produced),
          benefitsReceived: penceText(t.received),
          returnPerPound: ratioText(t.produced, t.invested),
          wrongPocketShare: ratioText(t.producedForOthers, t.produced),
        })),
      priorPeriodAdjustments: [],
    };
  }
}

function amountsOf(request: ModelRequest): Pence[] {
  switch (request.kind) {
    case 'contribute':
    case 'allocate':
      return [parsePence(request.body.amount)];
    case 'outcome':
      return request.body.benefits.map((b) => parsePence(b.amount));
    default:
      return [];
  }
}

interface Figures {
  contributed: Pence;
  drawn: Pence;
  cashable: Pence;
  nonCashable: Pence;
  producedForOthers: Pence;
}

/** "£1,234.50" / "-£12.00", written out from pence independently of events/money.ts. */
function poundsText(pence: Pence): string {
  const text = penceText(pence < 0n ? -pence : pence);
  const [whole, fraction] = text.split('.');
  return `${pence < 0n ? '-' : ''}£${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

function balancesText(f: Figures) {
  const received = f.cashable + f.nonCashable;
  return {
    contributed: penceText(f.contributed),
    drawn: penceText(f.drawn),
    // The model's pots are never closed, so nothing is ever returned.
    returned: '0.00',
    stake: penceText(f.contributed - f.drawn),
    benefitsReceived: penceText(received),
    benefitsReceivedCashable: penceText(f.cashable),
    benefitsReceivedNonCashable: penceText(f.nonCashable),
    benefitsProducedForOthers: penceText(f.producedForOthers),
    netFiscalPosition: penceText(received - f.contributed),
    netFiscalPositionOnMoneySpent: penceText(received - f.drawn),
    netFiscalPositionNote:
      f.contributed === f.drawn
        ? null
        : `${poundsText(f.contributed - f.drawn)} of the ${poundsText(f.contributed)} put in is still unspent in the pot: ` +
          `it is not lost. Counting only the money spent so far, the net fiscal position is ${poundsText(received - f.drawn)}.`,
  };
}

export function sumOf(values: Iterable<Pence>): Pence {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

function accepted(
  eventType: string,
  answerKeys: readonly string[],
  predicted: Readonly<Record<string, unknown>>,
  commit: (answer: WriteAnswer) => void,
): Expectation {
  return {
    outcome: 'accepted',
    eventTypes: [eventType],
    mayClaimKey: false,
    answerKeys,
    predicted,
    commit,
  };
}
