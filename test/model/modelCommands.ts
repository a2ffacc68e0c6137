/**
 * The fast-check commands of the model-based suite. Each command holds only random choices
 * (indices, modes, amounts); it resolves them against the model when it runs — which pot,
 * which partner, which earlier event — so that fast-check can drop commands while shrinking
 * and what is left still makes sense.
 */
import fc from 'fast-check';
import {
  ADMIN,
  AGENCY_POOL,
  concurrentBatch,
  financeOfficer,
  freshKey,
  REPORTER,
  step,
  type BatchItem,
  type World,
} from './ledgerDriver.ts';
import {
  MAX_AMOUNT_PENCE,
  penceText,
  type ModelActor,
  type ModelPot,
  type ModelRequest,
  type Pence,
  type ReferenceModel,
} from './referenceModel.ts';

type Command = fc.AsyncCommand<ReferenceModel, World>;

/** Business dates across three financial years (2024-25, 2025-26, 2026-27), year ends included. */
const DATES = ['2025-03-31', '2025-04-01', '2025-12-31', '2026-03-31', '2026-04-01'] as const;
export const FINANCIAL_YEARS = ['2024-25', '2025-26', '2026-27'] as const;
const KINDS = ['council', 'police', 'health', 'dwp', 'probation', 'fire', 'housing'] as const;
/** A well-formed ULID no stream holds. */
const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const MAX_BATCH_ITEMS = 6;
/** How far back a retry of a recent request looks. */
const RECENT_REQUESTS = 3;

const nth = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];
const potAt = (model: ReferenceModel, n: number): ModelPot => nth([...model.pots.values()], n)!;
const registered = (model: ReferenceModel): string[] => [...model.agencies.keys()];
const nonPartners = (model: ReferenceModel, pot: ModelPot): string[] =>
  AGENCY_POOL.filter((id) => !pot.partners.includes(id));

/** One in twenty: a request from somebody the route does not let in at all. */
const rarely = fc.nat(19).map((n) => n === 0);
const keyed = fc.boolean();
const dateIndex = fc.nat(DATES.length - 1);
/** Pennies (where rounding shows), ordinary sums, and now and then sums near the £1tn limit. */
const pence = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: 1n, max: 10_000n }) },
  { weight: 5, arbitrary: fc.bigInt({ min: 1n, max: 10_000_000_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: MAX_AMOUNT_PENCE - 10_000n, max: MAX_AMOUNT_PENCE }) },
);

/** An amount as a client might write it: "12.30", or "12.3" / "12" when that is the same sum. */
function amountText(p: Pence, short: boolean): string {
  const full = penceText(p);
  if (!short) return full;
  return full.endsWith('.00') ? full.slice(0, -3) : full.endsWith('0') ? full.slice(0, -1) : full;
}

function keyFor(world: World, isKeyed: boolean): string | undefined {
  return isKeyed ? freshKey(world) : undefined;
}

/** A finance officer of a partner (the usual caller), of an agency outside the pot, or an admin. */
type Who = 'admin' | 'partner' | 'outsider';
const who = fc.constantFrom<Who>(
  'admin',
  'admin',
  'admin',
  'partner',
  'partner',
  'partner',
  'partner',
  'outsider',
);

function actorFor(
  model: ReferenceModel,
  pot: ModelPot,
  mode: Who,
  n: number,
  stranger: boolean,
): ModelActor {
  if (stranger) return REPORTER;
  if (mode === 'admin') return ADMIN;
  const pool = mode === 'partner' ? pot.partners : nonPartners(model, pot);
  const agencyId = nth(pool, n);
  return agencyId === undefined ? ADMIN : financeOfficer(agencyId);
}

abstract class ModelCommand implements Command {
  constructor(private readonly label: string) {}
  check(model: Readonly<ReferenceModel>): boolean {
    return model.pots.size > 0;
  }
  abstract run(model: ReferenceModel, world: World): Promise<void>;
  toString(): string {
    return this.label;
  }
}

// ---- one command each ---------------------------------------------------------------------------

class RegisterAgency extends ModelCommand {
  constructor(readonly p: { agency: number; kind: number; keyed: boolean; stranger: boolean }) {
    super(`RegisterAgency(${JSON.stringify(p)})`);
  }
  override check(): boolean {
    return true;
  }
  async run(model: ReferenceModel, world: World) {
    const agencyId = nth(AGENCY_POOL, this.p.agency)!;
    const request: ModelRequest = {
      kind: 'registerAgency',
      actor: this.p.stranger ? REPORTER : ADMIN,
      body: { agencyId, name: `Agency ${agencyId}`, kind: nth(KINDS, this.p.kind)! },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

class OpenPot extends ModelCommand {
  constructor(
    readonly p: {
      host: number;
      partners: number[];
      anyAgency: boolean;
      duplicate: boolean;
      keyed: boolean;
      stranger: boolean;
    },
  ) {
    super(`OpenPot(${JSON.stringify(p)})`);
  }
  override check(): boolean {
    return true;
  }
  async run(model: ReferenceModel, world: World) {
    // Mostly registered agencies; sometimes any from the pool (some unregistered: NOT_FOUND).
    const from =
      this.p.anyAgency || model.agencies.size === 0 ? [...AGENCY_POOL] : registered(model);
    const host = nth(from, this.p.host)!;
    const partners = [...new Set(this.p.partners.map((n) => nth(from, n)!))];
    if (this.p.duplicate && partners.length > 0) partners.push(partners[0]!);
    const request: ModelRequest = {
      kind: 'openPot',
      actor: this.p.stranger ? REPORTER : ADMIN,
      body: {
        name: `Pot ${model.pots.size + 1}`,
        area: 'Essex',
        hostAgencyId: host,
        partnerAgencyIds: partners,
      },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

class JoinPot extends ModelCommand {
  constructor(readonly p: { pot: number; agency: number; keyed: boolean; stranger: boolean }) {
    super(`JoinPot(${JSON.stringify(p)})`);
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    const request: ModelRequest = {
      kind: 'joinPot',
      actor: this.p.stranger ? REPORTER : ADMIN,
      potId: pot.potId,
      body: { agencyId: nth(AGENCY_POOL, this.p.agency)! },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

type ContributeWho = 'own' | 'other-partner' | 'outsider' | 'admin';

class Contribute extends ModelCommand {
  constructor(
    readonly p: {
      pot: number;
      agency: number;
      who: ContributeWho;
      pence: Pence;
      short: boolean;
      date: number;
      keyed: boolean;
    },
  ) {
    super(`Contribute(${JSON.stringify({ ...p, pence: p.pence.toString() })})`);
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    const outsiders = nonPartners(model, pot);
    const asOutsider = this.p.who === 'outsider' && outsiders.length > 0;
    const agencyId = asOutsider
      ? nth(outsiders, this.p.agency)!
      : nth(pot.partners, this.p.agency)!;
    // Paying in for another partner's budget, as a partner's finance officer: FORBIDDEN.
    const actor =
      this.p.who === 'admin'
        ? ADMIN
        : this.p.who === 'other-partner'
          ? financeOfficer(nth(pot.partners, this.p.agency + 1)!)
          : financeOfficer(agencyId);
    const request: ModelRequest = {
      kind: 'contribute',
      actor,
      potId: pot.potId,
      body: {
        agencyId,
        amount: amountText(this.p.pence, this.p.short),
        effectiveDate: DATES[this.p.date]!,
        reference: `PO-${this.p.pence}`,
      },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

class DefineIntervention extends ModelCommand {
  constructor(
    readonly p: {
      pot: number;
      lead: number;
      anyLead: boolean;
      who: Who;
      actor: number;
      keyed: boolean;
      stranger: boolean;
    },
  ) {
    super(`DefineIntervention(${JSON.stringify(p)})`);
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    // Sometimes a lead from anywhere in the pool: a non-partner lead is NOT_A_PARTNER.
    const lead = nth(this.p.anyLead ? AGENCY_POOL : pot.partners, this.p.lead)!;
    const request: ModelRequest = {
      kind: 'define',
      actor: actorFor(model, pot, this.p.who, this.p.actor, this.p.stranger),
      potId: pot.potId,
      body: { name: `Intervention ${pot.interventions.size + 1}`, leadAgencyId: lead },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

type AmountChoice =
  | { mode: 'fraction'; perMille: number }
  | { mode: 'all' }
  | { mode: 'over'; extraPence: Pence }
  | { mode: 'absolute'; pence: Pence };

const amountChoice: fc.Arbitrary<AmountChoice> = fc.oneof(
  // The edges matter most: exactly what is available, and a penny more.
  {
    weight: 4,
    arbitrary: fc.record({
      mode: fc.constant('fraction' as const),
      perMille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ mode: fc.constant('all' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      mode: fc.constant('over' as const),
      extraPence: fc.oneof(fc.constant(1n), fc.bigInt({ min: 1n, max: 1_000_000n })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ mode: fc.constant('absolute' as const), pence }) },
);

/** What to ask for; past the £1tn limit only when the point is to ask for too much. */
function requestedPence(choice: AmountChoice, available: Pence): Pence {
  const raw =
    choice.mode === 'fraction'
      ? (available * BigInt(choice.perMille)) / 1000n
      : choice.mode === 'all'
        ? available
        : choice.mode === 'over'
          ? available + choice.extraPence
          : choice.pence;
  return raw < 1n ? 1n : raw > MAX_AMOUNT_PENCE && choice.mode !== 'over' ? MAX_AMOUNT_PENCE : raw;
}

/** An intervention of this pot (by index), or now and then one of another pot or of none. */
function interventionFor(
  model: ReferenceModel,
  pot: ModelPot,
  n: number,
  elsewhere: boolean,
): string {
  const own = [...pot.interventions.keys()];
  if (!elsewhere && own.length > 0) return nth(own, n)!;
  const others = [...model.pots.values()]
    .filter((p) => p !== pot)
    .flatMap((p) => [...p.interventions.keys()]);
  return nth(others, n) ?? UNKNOWN_ULID;
}

class Allocate extends ModelCommand {
  constructor(
    readonly p: {
      pot: number;
      intervention: number;
      elsewhere: boolean;
      amount: AmountChoice;
      who: Who;
      actor: number;
      date: number;
      keyed: boolean;
      stranger: boolean;
    },
  ) {
    super(`Allocate(${JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))})`);
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    const request: ModelRequest = {
      kind: 'allocate',
      actor: actorFor(model, pot, this.p.who, this.p.actor, this.p.stranger),
      potId: pot.potId,
      body: {
        interventionId: interventionFor(model, pot, this.p.intervention, this.p.elsewhere),
        amount: penceText(requestedPence(this.p.amount, model.available(pot))),
        effectiveDate: DATES[this.p.date]!,
        reason: 'delivery',
      },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

interface LineChoice {
  agency: number;
  anyAgency: boolean;
  pence: Pence;
  cashable: boolean;
}

class RecordOutcome extends ModelCommand {
  constructor(
    readonly p: {
      pot: number;
      intervention: number;
      elsewhere: boolean;
      lines: LineChoice[];
      who: Who;
      actor: number;
      date: number;
      keyed: boolean;
      stranger: boolean;
    },
  ) {
    super(
      `RecordOutcome(${JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))})`,
    );
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    const interventionId = interventionFor(model, pot, this.p.intervention, this.p.elsewhere);
    const request: ModelRequest = {
      kind: 'outcome',
      actor: actorFor(model, pot, this.p.who, this.p.actor, this.p.stranger),
      potId: pot.potId,
      interventionId,
      body: {
        description: 'fewer crises',
        effectiveDate: DATES[this.p.date]!,
        // Beneficiaries are mostly registered agencies; from the whole pool some are not (NOT_FOUND).
        benefits: this.p.lines.map((l) => ({
          agencyId: nth(l.anyAgency ? AGENCY_POOL : registered(model), l.agency)!,
          amount: penceText(l.pence),
          cashable: l.cashable,
        })),
      },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

type ReverseTarget = 'money' | 'any' | 'elsewhere' | 'unknown';

class Reverse extends ModelCommand {
  constructor(
    readonly p: {
      pot: number;
      target: ReverseTarget;
      pick: number;
      date: number | null;
      who: Who;
      actor: number;
      keyed: boolean;
      stranger: boolean;
    },
  ) {
    super(`Reverse(${JSON.stringify(p)})`);
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    const entries = [...pot.entries];
    const money = entries.filter(([, e]) => e.kind !== 'other').map(([id]) => id);
    const elsewhere = model
      .knownEventIds()
      .filter((e) => e.potId !== pot.potId)
      .map((e) => e.eventId);
    const eventId =
      this.p.target === 'unknown'
        ? UNKNOWN_ULID
        : this.p.target === 'elsewhere' && elsewhere.length > 0
          ? nth(elsewhere, this.p.pick)!
          : this.p.target === 'money' && money.length > 0
            ? nth(money, this.p.pick)!
            : nth(entries, this.p.pick)![0];
    const request: ModelRequest = {
      kind: 'reverse',
      actor: actorFor(model, pot, this.p.who, this.p.actor, this.p.stranger),
      potId: pot.potId,
      body: {
        eventId,
        reason: 'entered in error',
        ...(this.p.date === null ? {} : { effectiveDate: DATES[this.p.date]! }),
      },
    };
    await step(world, model, request, keyFor(world, this.p.keyed));
  }
}

type RetryVariant = 'same' | 'reordered' | 'other-body' | 'other-request' | 'other-sender';

/** The same request from a colleague with the same rights: another person, so another request. */
function fromColleague(request: ModelRequest): ModelRequest {
  return {
    ...request,
    actor: { ...request.actor, sub: `${request.actor.sub}-colleague` },
  } as ModelRequest;
}

/** The same request with one field changed, so a retry with its key is not the same request. */
function withOtherBody(request: ModelRequest): ModelRequest {
  switch (request.kind) {
    case 'registerAgency':
      return { ...request, body: { ...request.body, name: `${request.body.name} (renamed)` } };
    case 'openPot':
      return { ...request, body: { ...request.body, name: `${request.body.name} (renamed)` } };
    case 'joinPot':
      return {
        ...request,
        body: {
          agencyId:
            AGENCY_POOL[
              (AGENCY_POOL.indexOf(request.body.agencyId as never) + 1) % AGENCY_POOL.length
            ]!,
        },
      };
    case 'contribute':
      return { ...request, body: { ...request.body, reference: `${request.body.reference}-b` } };
    case 'define':
      return { ...request, body: { ...request.body, name: `${request.body.name} (renamed)` } };
    case 'allocate':
      return { ...request, body: { ...request.body, reason: `${request.body.reason}, again` } };
    case 'outcome':
      return {
        ...request,
        body: { ...request.body, description: `${request.body.description}, again` },
      };
    case 'reverse':
      return { ...request, body: { ...request.body, reason: `${request.body.reason}, again` } };
  }
}

class Retry extends ModelCommand {
  constructor(
    readonly p: {
      pick: number;
      kind: number;
      recent: boolean;
      variant: RetryVariant;
      other: number;
    },
  ) {
    super(`Retry(${JSON.stringify(p)})`);
  }
  override check(model: Readonly<ReferenceModel>): boolean {
    return model.keyedRequests.length > 0;
  }
  async run(model: ReferenceModel, world: World) {
    // A kind first, then a request of it: a kind that is rarely sent (a reversal) is retried as
    // often as the others, so every refusal of a retry is reached in a run, whatever the seed.
    const kinds = [...new Set(model.keyedRequests.map((keyed) => keyed.request.kind))];
    const kind = kinds[this.p.kind % kinds.length]!;
    const ofKind = model.keyedRequests.filter((keyed) => keyed.request.kind === kind);
    // Clients mostly retry what they just sent; sometimes something from long ago.
    const from = this.p.recent ? ofKind.slice(-RECENT_REQUESTS) : ofKind;
    const { key, request } = nth(from, this.p.pick)!;
    world.stats.retries += 1;
    switch (this.p.variant) {
      case 'same':
        return step(world, model, request, key);
      case 'reordered':
        // Key order and spacing do not make another request.
        return step(world, model, request, key, { reorder: true });
      case 'other-body':
        return step(world, model, withOtherBody(request), key);
      case 'other-request':
        return step(world, model, nth(model.keyedRequests, this.p.other)!.request, key);
      case 'other-sender':
        return step(world, model, fromColleague(request), key);
    }
  }
}

interface BatchChoice {
  kind: 'contribute' | 'allocate' | 'reverse' | 'outcome';
  who: number;
  byAdmin: boolean;
  perMille: number;
  pence: Pence;
  /**
   * none / fresh: no key, a new key. copy: an earlier item again, key and all (a client
   * retrying in parallel). reuse: this request under an earlier item's key (another request).
   */
  key: 'none' | 'fresh' | 'copy' | 'reuse';
  earlier: number;
}

class ConcurrentBatch extends ModelCommand {
  constructor(readonly p: { pot: number; items: BatchChoice[] }) {
    super(
      `ConcurrentBatch(${JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))})`,
    );
  }
  async run(model: ReferenceModel, world: World) {
    const pot = potAt(model, this.p.pot);
    const items: BatchItem[] = [];
    for (const choice of this.p.items) {
      if (choice.key === 'copy' && items.length > 0) {
        const copied = nth(items, choice.earlier)!;
        if (copied.key !== undefined) world.stats.retries += 1;
        items.push(copied);
        continue;
      }
      const reused = choice.key === 'reuse' ? nth(items, choice.earlier)?.key : undefined;
      if (reused !== undefined) world.stats.retries += 1;
      const key = reused ?? (choice.key === 'none' ? undefined : freshKey(world));
      const request = batchRequest(model, pot, choice);
      items.push(key === undefined ? { request } : { request, key });
    }
    await concurrentBatch(world, model, items);
  }
}

/**
 * One request of a batch on one pot. Allocations ask for fractions of what was available when
 * the batch began, so together they often overdraw; reversals race the allocations that draw on
 * the same stakes; outcomes race the allocations and reversals that change who funded what.
 */
function batchRequest(model: ReferenceModel, pot: ModelPot, choice: BatchChoice): ModelRequest {
  const partner = nth(pot.partners, choice.who)!;
  const actor = choice.byAdmin ? ADMIN : financeOfficer(partner);
  const interventionId = nth([...pot.interventions.keys()], choice.who);
  const moneyEntries = [...pot.entries].filter(([, e]) => e.kind !== 'other').map(([id]) => id);
  if (choice.kind === 'allocate' && interventionId !== undefined) {
    const amount = (model.available(pot) * BigInt(choice.perMille)) / 1000n;
    return {
      kind: 'allocate',
      actor,
      potId: pot.potId,
      body: {
        interventionId,
        amount: penceText(amount < 1n ? 1n : amount > MAX_AMOUNT_PENCE ? MAX_AMOUNT_PENCE : amount),
        effectiveDate: DATES[1],
        reason: 'in parallel',
      },
    };
  }
  if (choice.kind === 'reverse' && moneyEntries.length > 0) {
    return {
      kind: 'reverse',
      actor: ADMIN,
      potId: pot.potId,
      body: { eventId: nth(moneyEntries, choice.who)!, reason: 'in parallel' },
    };
  }
  if (choice.kind === 'outcome' && interventionId !== undefined) {
    return {
      kind: 'outcome',
      actor,
      potId: pot.potId,
      interventionId,
      body: {
        description: 'in parallel',
        effectiveDate: DATES[2],
        benefits: [
          {
            agencyId: nth(registered(model), choice.who + 1)!,
            amount: penceText(choice.pence),
            cashable: choice.byAdmin,
          },
        ],
      },
    };
  }
  return {
    kind: 'contribute',
    actor: financeOfficer(partner),
    potId: pot.potId,
    body: {
      agencyId: partner,
      amount: penceText(choice.pence),
      effectiveDate: DATES[1],
      reference: `BATCH-${choice.pence}`,
    },
  };
}

// ---- the arbitraries ------------------------------------------------------------------------------

/** Mostly the first pot, so money piles up where the rules bite; now and then any pot. */
const potIndex = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.nat() },
);
const lineChoice: fc.Arbitrary<LineChoice> = fc.record({
  agency: fc.nat(),
  anyAgency: fc.nat(9).map((n) => n === 0),
  pence,
  cashable: fc.boolean(),
});

const batchChoice: fc.Arbitrary<BatchChoice> = fc.record({
  kind: fc.constantFrom<BatchChoice['kind']>(
    'contribute',
    'contribute',
    'allocate',
    'allocate',
    'allocate',
    'reverse',
    'outcome',
  ),
  who: fc.nat(),
  byAdmin: fc.boolean(),
  perMille: fc.integer({ min: 200, max: 900 }),
  pence,
  key: fc.constantFrom<BatchChoice['key']>('none', 'fresh', 'fresh', 'copy', 'copy', 'reuse'),
  earlier: fc.nat(),
});

/** Every command, weighted by how much of the ledger it exercises. */
export const modelCommands: fc.Arbitrary<Command>[] = [
  fc
    .record({ agency: fc.nat(), kind: fc.nat(), keyed, stranger: rarely })
    .map((p) => new RegisterAgency(p)),
  fc
    .record({
      host: fc.nat(),
      partners: fc.array(fc.nat(), { maxLength: 4 }),
      anyAgency: fc.nat(4).map((n) => n === 0),
      duplicate: fc.nat(9).map((n) => n === 0),
      keyed,
      stranger: rarely,
    })
    .map((p) => new OpenPot(p)),
  fc
    .record({ pot: potIndex, agency: fc.nat(), keyed, stranger: rarely })
    .map((p) => new JoinPot(p)),
  ...Array.from({ length: 3 }, () =>
    fc
      .record({
        pot: potIndex,
        agency: fc.nat(),
        who: fc.constantFrom<ContributeWho>(
          'own',
          'own',
          'own',
          'own',
          'own',
          'own',
          'own',
          'other-partner',
          'outsider',
          'admin',
        ),
        pence,
        short: fc.boolean(),
        date: dateIndex,
        keyed,
      })
      .map((p) => new Contribute(p)),
  ),
  fc
    .record({
      pot: potIndex,
      lead: fc.nat(),
      anyLead: fc.nat(4).map((n) => n === 0),
      who,
      actor: fc.nat(),
      keyed,
      stranger: rarely,
    })
    .map((p) => new DefineIntervention(p)),
  ...Array.from({ length: 3 }, () =>
    fc
      .record({
        pot: potIndex,
        intervention: fc.nat(),
        elsewhere: fc.nat(14).map((n) => n === 0),
        amount: amountChoice,
        who,
        actor: fc.nat(),
        date: dateIndex,
        keyed,
        stranger: rarely,
      })
      .map((p) => new Allocate(p)),
  ),
  ...Array.from({ length: 2 }, () =>
    fc
      .record({
        pot: potIndex,
        intervention: fc.nat(),
        elsewhere: fc.nat(14).map((n) => n === 0),
        lines: fc.array(lineChoice, { minLength: 1, maxLength: 4 }),
        who,
        actor: fc.nat(),
        date: dateIndex,
        keyed,
        stranger: rarely,
      })
      .map((p) => new RecordOutcome(p)),
  ),
  ...Array.from({ length: 2 }, () =>
    fc
      .record({
        pot: potIndex,
        target: fc.constantFrom<ReverseTarget>(
          'money',
          'money',
          'money',
          'money',
          'any',
          'elsewhere',
          'unknown',
        ),
        pick: fc.nat(),
        date: fc.option(dateIndex, { nil: null }),
        who: fc.constantFrom<Who>('admin', 'admin', 'admin', 'partner', 'outsider'),
        actor: fc.nat(),
        keyed,
        stranger: rarely,
      })
      .map((p) => new Reverse(p)),
  ),
  ...Array.from({ length: 2 }, () =>
    fc
      .record({
        pick: fc.nat(),
        kind: fc.nat(),
        recent: fc.nat(4).map((n) => n !== 0),
        variant: fc.constantFrom<RetryVariant>(
          'same',
          'same',
          'reordered',
          // Twice: for a reversal, only another body under its key is refused as a reused key.
          'other-body',
          'other-body',
          'other-request',
          'other-sender',
        ),
        other: fc.nat(),
      })
      .map((p) => new Retry(p)),
  ),
  fc
    .record({
      pot: potIndex,
      items: fc.array(batchChoice, { minLength: 2, maxLength: MAX_BATCH_ITEMS }),
    })
    .map((p) => new ConcurrentBatch(p)),
];

// ---- how every sequence begins ----------------------------------------------------------------

export interface Opening {
  /** Agencies registered first, in order; the first hosts the first pot. */
  readonly agencies: readonly string[];
  /** How many of the others join the first pot when it opens. */
  readonly partners: number;
  readonly keyed: boolean;
}

export const opening: fc.Arbitrary<Opening> = fc.record({
  agencies: fc.shuffledSubarray([...AGENCY_POOL], { minLength: 3, maxLength: 5 }),
  partners: fc.nat(4),
  keyed: fc.boolean(),
});

/** Registers the opening's agencies, opens a first pot and defines its first intervention, through the same checked steps. */
export async function playOpening(model: ReferenceModel, world: World, o: Opening): Promise<void> {
  for (const [index, agencyId] of o.agencies.entries()) {
    const request: ModelRequest = {
      kind: 'registerAgency',
      actor: ADMIN,
      body: { agencyId, name: `Agency ${agencyId}`, kind: nth(KINDS, index)! },
    };
    await step(world, model, request, keyFor(world, o.keyed));
  }
  const [host, ...others] = o.agencies;
  const request: ModelRequest = {
    kind: 'openPot',
    actor: ADMIN,
    body: {
      name: 'Pot 1',
      area: 'Essex',
      hostAgencyId: host!,
      partnerAgencyIds: others.slice(0, 1 + (o.partners % others.length)),
    },
  };
  await step(world, model, request, keyFor(world, o.keyed));
  const pot = potAt(model, 0);
  const define: ModelRequest = {
    kind: 'define',
    actor: ADMIN,
    potId: pot.potId,
    body: { name: 'Intervention 1', leadAgencyId: host! },
  };
  await step(world, model, define, keyFor(world, o.keyed));
}
