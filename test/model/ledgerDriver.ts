/**
 * Drives the real HTTP app (createTestLedger: the whole composition, through app.inject) with
 * the model's requests, asserts each answer is the one the reference model expects, and after
 * every step holds the books and the log to the model and to the ledger's invariants.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestLedger } from '../support/testLedger.ts';
import {
  fingerprintOf,
  parsePence,
  sumOf,
  urlOf,
  type Expectation,
  type ModelActor,
  type ModelRequest,
  type ReferenceModel,
  type WriteAnswer,
} from './referenceModel.ts';

export const ADMIN: ModelActor = { sub: 'alice', role: 'admin' };
export const REPORTER: ModelActor = { sub: 'rita', role: 'reporter' };
export const financeOfficer = (agencyId: string): ModelActor => ({
  sub: `fo-${agencyId}`,
  role: 'finance-officer',
  agencyId,
});

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MAX_EVENTS_PAGE = 1000;

/** What the suite counts across every sequence, for its figures. */
export interface ModelStats {
  sequences: number;
  commands: number;
  refusals: number;
  retries: number;
  batches: number;
  /** How often each command met each answer ("allocate:INSUFFICIENT_FUNDS", "reverse:replayed"). */
  readonly answers: Map<string, number>;
}

export const newStats = (): ModelStats => ({
  sequences: 0,
  commands: 0,
  refusals: 0,
  retries: 0,
  batches: 0,
  answers: new Map(),
});

function tally(world: World, request: ModelRequest, expectation: Expectation, prefix = ''): void {
  const label = `${prefix}${request.kind}:${expectation.outcome === 'refused' ? expectation.code : expectation.outcome}`;
  world.stats.answers.set(label, (world.stats.answers.get(label) ?? 0) + 1);
}

/** The system under test for one sequence: a fresh ledger and where its log stood at the last check. */
export interface World {
  readonly ledger: TestLedger;
  readonly stats: ModelStats;
  /** Position of the last event seen by the checks: the next step's events come after it. */
  position: bigint;
  readonly tokens: Map<string, string>;
  nextKey: number;
}

export function newWorld(ledger: TestLedger, stats: ModelStats): World {
  return { ledger, stats, position: 0n, tokens: new Map(), nextKey: 0 };
}

export function freshKey(world: World): string {
  world.nextKey += 1;
  return `model-key-${world.nextKey}`;
}

function tokenOf(world: World, actor: ModelActor): string {
  const cacheKey = `${actor.role}/${actor.sub}/${actor.agencyId ?? ''}`;
  let token = world.tokens.get(cacheKey);
  if (token === undefined) {
    token = world.ledger.token(actor.role, {
      sub: actor.sub,
      ...(actor.agencyId === undefined ? {} : { agency: actor.agencyId }),
    });
    world.tokens.set(cacheKey, token);
  }
  return token;
}

/** Sends a request as the model describes it; `reorder` sends the same JSON with its keys reversed. */
export function sendRequest(
  world: World,
  request: ModelRequest,
  key: string | undefined,
  options: { reorder?: boolean } = {},
) {
  const body = options.reorder === true ? reversedKeys(request.body) : request.body;
  world.stats.commands += 1;
  return world.ledger.post(
    urlOf(request),
    tokenOf(world, request.actor),
    body,
    key === undefined ? {} : { 'idempotency-key': key },
  );
}

function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
}

function describeRequest(request: ModelRequest, key: string | undefined): string {
  return `${request.actor.role}${request.actor.agencyId === undefined ? '' : `(${request.actor.agencyId})`} POST ${urlOf(request)} ${JSON.stringify(request.body)}${key === undefined ? '' : ` key=${key}`}`;
}

/**
 * Holds one answer to an expectation. An acceptance is committed into the model with the ids
 * the server chose; returns the event types the log must have grown by.
 */
export function settle(
  world: World,
  expectation: Expectation,
  response: LightMyRequestResponse,
  what: string,
): { types: readonly string[]; mayClaimKey?: boolean; answer?: WriteAnswer } {
  switch (expectation.outcome) {
    case 'refused': {
      expect(
        response.statusCode,
        `${what}: expected ${expectation.status} ${expectation.code}, got ${response.statusCode} ${response.body}`,
      ).toBe(expectation.status);
      expect((response.json() as { code?: string }).code, `${what}: ${response.body}`).toBe(
        expectation.code,
      );
      world.stats.refusals += 1;
      return { types: [] };
    }
    case 'replayed': {
      expect(
        response.statusCode,
        `${what}: expected the original answer again, got ${response.statusCode} ${response.body}`,
      ).toBe(201);
      expect(response.json(), `${what}: a retry must get the original answer`).toEqual(
        expectation.answer,
      );
      expect(response.headers['idempotent-replayed'], `${what}: a replay is marked`).toBe('true');
      return { types: [] };
    }
    case 'accepted': {
      expect(
        response.statusCode,
        `${what}: expected 201, got ${response.statusCode} ${response.body}`,
      ).toBe(201);
      expect(
        response.headers['idempotent-replayed'],
        `${what}: a first answer is not a replay`,
      ).toBeUndefined();
      const answer = response.json() as WriteAnswer;
      expect(Object.keys(answer).sort(), what).toEqual(
        ['eventId', 'position', ...expectation.answerKeys].sort(),
      );
      expect(answer.eventId, what).toMatch(ULID);
      expect(answer.position, what).toMatch(/^\d+$/);
      expect(answer, `${what}: the answer the model foresaw`).toMatchObject(expectation.predicted);
      for (const idKey of [
        'potId',
        'contributionId',
        'interventionId',
        'allocationId',
        'outcomeId',
      ]) {
        if (idKey in answer && !(idKey in expectation.predicted))
          expect(answer[idKey], `${what}: ${idKey}`).toMatch(ULID);
      }
      expectation.commit(answer);
      return { types: expectation.eventTypes, mayClaimKey: expectation.mayClaimKey, answer };
    }
  }
}

/** One request, start to end: the model's expectation, the answer, and the checks after it. */
export async function step(
  world: World,
  model: ReferenceModel,
  request: ModelRequest,
  key: string | undefined,
  options: { reorder?: boolean } = {},
) {
  const what = describeRequest(request, key);
  const expectation = model.expect(request, key);
  if (key !== undefined) model.keyedRequests.push({ key, request });
  const response = await sendRequest(world, request, key, options);
  const { types, answer, mayClaimKey } = settle(world, expectation, response, what);
  tally(world, request, expectation);
  await checkBooks(
    world,
    model,
    {
      types,
      eventIds: answer === undefined ? [] : [answer.eventId],
      commandId: key,
      mayClaimKey: mayClaimKey === true,
    },
    what,
  );
}

// ---- after every step --------------------------------------------------------------------------

interface Appended {
  /** Event types appended, in log order. */
  readonly types: readonly string[];
  /** The ids the answers named (the last event of each accepted command), in log order. */
  readonly eventIds: readonly string[];
  /** The idempotency key the events must carry, when one was sent. */
  readonly commandId?: string | undefined;
  /** A keyed create may claim its key first (see Expectation.mayClaimKey). */
  readonly mayClaimKey?: boolean;
}

interface RawEvent {
  position: string;
  eventId: string;
  type: string;
  streamId: string;
  data: Record<string, any>;
  metadata: Record<string, any>;
}

/**
 * The log grew by exactly what was accepted; the raw events keep their splits exact; and every
 * pot and agency reads as the model has it, with no negative stake and available = Σ stakes.
 */
export async function checkBooks(
  world: World,
  model: ReferenceModel,
  appended: Appended,
  what: string,
): Promise<void> {
  const events = await eventsAfter(world, world.position);
  const claims = events.filter((e) => e.type === 'IdempotencyKeyClaimed');
  const commands = events.filter((e) => e.type !== 'IdempotencyKeyClaimed');
  expect(
    commands.map((e) => e.type),
    `${what}: the log must grow by exactly the accepted commands`,
  ).toEqual(appended.types);
  expect(
    commands.map((e) => e.eventId),
    `${what}: the answers name the appended events`,
  ).toEqual(appended.eventIds);
  expect(
    claims.length,
    `${what}: a key is claimed only by a keyed create, once`,
  ).toBeLessThanOrEqual(appended.mayClaimKey === true ? 1 : 0);
  for (const claim of claims) {
    const next = events[events.indexOf(claim) + 1];
    expect(
      next?.metadata.commandId,
      `${what}: a claim comes right before the event it claims the key for`,
    ).toBe(claim.metadata.commandId);
  }
  for (const event of events) {
    if (appended.commandId !== undefined)
      expect(event.metadata.commandId, `${what}: the key is the event's commandId`).toBe(
        appended.commandId,
      );
    checkEventInvariants(event, what);
  }
  if (events.length > 0) world.position = BigInt(events[events.length - 1]!.position);

  const auditor = tokenOf(world, { sub: 'model-auditor', role: 'auditor' });
  const potsResponse = await world.ledger.get(`/v1/pots?minPosition=${world.position}`, auditor);
  expect(potsResponse.statusCode, potsResponse.body).toBe(200);
  const pots = (potsResponse.json() as { pots: any[] }).pots;
  for (const pot of pots) checkPotInvariants(pot, what);
  const expectedPots = [...model.pots.values()]
    .sort((a, b) => (a.potId < b.potId ? -1 : 1))
    .map((p) => model.potView(p));
  expect(
    pots.map((p) => pick(p, POT_VIEW_KEYS)),
    `${what}: the pots as the model has them`,
  ).toEqual(expectedPots);

  // The books are folds of the log: when it did not move, the balances (one request per
  // agency, the bulk of a step's cost) cannot have either; the pot summaries above still prove it.
  if (events.length === 0) return;
  for (const agencyId of model.agencies.keys()) {
    const response = await world.ledger.get(
      `/v1/agencies/${agencyId}/balances?minPosition=${world.position}`,
      auditor,
    );
    expect(response.statusCode, response.body).toBe(200);
    const balances = response.json() as any;
    checkBalanceInvariants(balances, what);
    expect(balances, `${what}: balances of ${agencyId} as the model has them`).toEqual(
      model.balancesView(agencyId),
    );
  }
  await checkFlows(world, model, {}, what);
}

async function checkFlows(
  world: World,
  model: ReferenceModel,
  scope: { potId?: string; financialYear?: string },
  what: string,
): Promise<void> {
  const auditor = tokenOf(world, { sub: 'model-auditor', role: 'auditor' });
  const query = new URLSearchParams({ ...scope, minPosition: world.position.toString() });
  const response = await world.ledger.get(`/v1/flows?${query}`, auditor);
  expect(response.statusCode, response.body).toBe(200);
  expect(
    response.json(),
    `${what}: the flows matrix ${JSON.stringify(scope)} as the model has it`,
  ).toEqual(model.flowsView(scope));
}

/**
 * At the end of a sequence: the flows of each pot and each financial year (the per-step check
 * reads them all at once), and no balances for the agencies the model never registered.
 */
export async function checkAtEnd(
  world: World,
  model: ReferenceModel,
  financialYears: readonly string[],
): Promise<void> {
  for (const potId of model.pots.keys()) await checkFlows(world, model, { potId }, 'at the end');
  for (const financialYear of financialYears)
    await checkFlows(world, model, { financialYear }, 'at the end');
  const auditor = tokenOf(world, { sub: 'model-auditor', role: 'auditor' });
  for (const agencyId of AGENCY_POOL.filter((id) => !model.agencies.has(id))) {
    const response = await world.ledger.get(`/v1/agencies/${agencyId}/balances`, auditor);
    expect(response.statusCode, `${agencyId} is not registered: ${response.body}`).toBe(404);
  }
}

/** The agencies a sequence draws from; the model registers some of them, sometimes twice. */
export const AGENCY_POOL = [
  'a-council',
  'b-police',
  'c-health',
  'd-dwp',
  'e-probation',
  'f-fire',
  'g-housing',
] as const;

async function eventsAfter(world: World, after: bigint): Promise<RawEvent[]> {
  const auditor = tokenOf(world, { sub: 'model-auditor', role: 'auditor' });
  const events: RawEvent[] = [];
  let cursor = after.toString();
  for (;;) {
    const response = await world.ledger.get(
      `/v1/events?after=${cursor}&limit=${MAX_EVENTS_PAGE}`,
      auditor,
    );
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { events: RawEvent[]; nextCursor: string | null };
    events.push(...page.events);
    if (page.nextCursor === null) return events;
    cursor = page.nextCursor;
  }
}

/** What every raw money event must satisfy, whatever the model thinks: no penny made or lost. */
function checkEventInvariants(event: RawEvent, what: string): void {
  const d = event.data;
  if (event.type === 'FundsAllocated' || event.type === 'AllocationReversed') {
    const shares = d.fundingShares as { agencyId: string; amount: string }[];
    for (const s of shares)
      expect(
        parsePence(s.amount) > 0n,
        `${what}: ${event.type} share of ${s.agencyId} is ${s.amount}`,
      ).toBe(true);
    expect(
      sumOf(shares.map((s) => parsePence(s.amount))),
      `${what}: ${event.type} shares must sum to its amount`,
    ).toBe(parsePence(d.amount));
  }
  if (event.type === 'OutcomeRecorded' || event.type === 'OutcomeRetracted') {
    const benefits = d.benefits as { agencyId: string; amount: string; cashable: boolean }[];
    const flows = d.flows as {
      fromAgencyId: string;
      toAgencyId: string;
      amount: string;
      cashable: boolean;
    }[];
    expect(
      sumOf(flows.map((f) => parsePence(f.amount))),
      `${what}: ${event.type} flows must sum to its benefits`,
    ).toBe(sumOf(benefits.map((b) => parsePence(b.amount))));
    // And per beneficiary and cashability: every benefit line is wholly attributed.
    const groups = new Set(benefits.map((b) => `${b.agencyId}|${b.cashable}`));
    for (const group of groups) {
      const lines = sumOf(
        benefits
          .filter((b) => `${b.agencyId}|${b.cashable}` === group)
          .map((b) => parsePence(b.amount)),
      );
      const flowed = sumOf(
        flows
          .filter((f) => `${f.toAgencyId}|${f.cashable}` === group)
          .map((f) => parsePence(f.amount)),
      );
      expect(flowed, `${what}: flows to ${group} must sum to its benefit lines`).toBe(lines);
    }
  }
}

function checkPotInvariants(pot: any, what: string): void {
  const stakes = (
    pot.partners as { agencyId: string; contributed: string; drawn: string; stake: string }[]
  ).map((p) => {
    const stake = parsePence(p.stake);
    expect(stake >= 0n, `${what}: stake of ${p.agencyId} in pot ${pot.potId} is ${p.stake}`).toBe(
      true,
    );
    expect(stake, `${what}: stake = contributed − drawn`).toBe(
      parsePence(p.contributed) - parsePence(p.drawn),
    );
    return stake;
  });
  expect(sumOf(stakes), `${what}: pot ${pot.potId}: available must equal the sum of stakes`).toBe(
    parsePence(pot.available),
  );
  expect(parsePence(pot.available), `${what}: available = contributed − allocated`).toBe(
    parsePence(pot.contributed) - parsePence(pot.allocated),
  );
  const funded = sumOf(
    (pot.interventions as { funded: string }[]).map((i) => parsePence(i.funded)),
  );
  expect(
    funded,
    `${what}: pot ${pot.potId}: interventions' funding must sum to what is allocated`,
  ).toBe(parsePence(pot.allocated));
  // Benefits never outlive the funding behind them (issue 13): no standing benefit on nothing.
  for (const i of pot.interventions as { name: string; funded: string; benefits: string }[]) {
    if (parsePence(i.benefits) > 0n)
      expect(
        parsePence(i.funded) > 0n,
        `${what}: intervention ${i.name} shows benefits ${i.benefits} on funding ${i.funded}`,
      ).toBe(true);
  }
}

function checkBalanceInvariants(balances: any, what: string): void {
  for (const b of [balances.total, ...balances.pots]) {
    expect(parsePence(b.stake) >= 0n, `${what}: ${balances.agencyId} has stake ${b.stake}`).toBe(
      true,
    );
    expect(
      parsePence(b.netFiscalPosition),
      `${what}: net fiscal position = benefits received − contributed`,
    ).toBe(parsePence(b.benefitsReceived) - parsePence(b.contributed));
  }
}

/** The pot summary fields DESIGN says the reporting side relies on. */
const POT_VIEW_KEYS = [
  'potId',
  'name',
  'area',
  'hostAgencyId',
  'contributed',
  'allocated',
  'available',
  'partners',
  'interventions',
] as const;

function pick(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, value[k]]));
}

// ---- a concurrent batch ------------------------------------------------------------------------

export interface BatchItem {
  readonly request: ModelRequest;
  readonly key?: string;
}

/**
 * Sends the items at once (Promise.all) and checks the answers are those of SOME serial order:
 * the accepted commands, taken in log order, are each accepted by the model at that point with
 * the split it foresees (so none overdraws); each refusal is what the model answers at some
 * point of that order (before its key's acceptance, if its key was accepted); requests sharing
 * a key that were accepted got one event and one identical answer.
 */
export async function concurrentBatch(
  world: World,
  model: ReferenceModel,
  items: readonly BatchItem[],
): Promise<void> {
  const what = `a concurrent batch of ${items.length}: ${items.map((i) => describeRequest(i.request, i.key)).join(' | ')}`;
  for (const item of items)
    if (item.key !== undefined) model.keyedRequests.push({ key: item.key, request: item.request });
  const responses = await Promise.all(
    items.map((item) => sendRequest(world, item.request, item.key)),
  );

  const acceptedByEvent = new Map<string, { answer: WriteAnswer; items: number[] }>();
  const refusedItems: number[] = [];
  responses.forEach((response, index) => {
    if (response.statusCode !== 201) {
      refusedItems.push(index);
      return;
    }
    const answer = response.json() as WriteAnswer;
    const group = acceptedByEvent.get(answer.eventId) ?? { answer, items: [] };
    expect(answer, `${what}: requests answered by one event get one answer`).toEqual(group.answer);
    group.items.push(index);
    acceptedByEvent.set(answer.eventId, group);
  });
  const serial = [...acceptedByEvent.values()].sort((a, b) =>
    BigInt(a.answer.position) < BigInt(b.answer.position) ? -1 : 1,
  );
  for (const { items: members } of serial) {
    const requests = new Set(
      members.map((i) => `${items[i]!.key}|${fingerprintOf(items[i]!.request)}`),
    );
    expect(
      requests.size === 1 && (members.length === 1 || items[members[0]!]!.key !== undefined),
      `${what}: only retries of one keyed request may share an event`,
    ).toBe(true);
    const firsts = members.filter((i) => responses[i]!.headers['idempotent-replayed'] !== 'true');
    expect(
      firsts.length,
      `${what}: exactly one of a key's requests is the first, the rest replays`,
    ).toBe(1);
  }

  // A refusal is explained by the model's answer at some point of the serial order. (The same
  // request under a key already accepted is a replay there, never a refusal: so a refused retry
  // must have come before its key's acceptance, and a refused other request under it, after.)
  const explained = new Set<number>();
  const types: string[] = [];
  for (let k = 0; k <= serial.length; k++) {
    for (const i of refusedItems) {
      if (explained.has(i)) continue;
      const e = model.expect(items[i]!.request, items[i]!.key);
      const body = responses[i]!.json() as { code?: string };
      if (
        e.outcome === 'refused' &&
        e.status === responses[i]!.statusCode &&
        e.code === body.code
      ) {
        explained.add(i);
        tally(world, items[i]!.request, e, 'batch ');
      }
    }
    if (k === serial.length) break;
    const accepted = serial[k]!;
    const first = accepted.items.find(
      (i) => responses[i]!.headers['idempotent-replayed'] !== 'true',
    )!;
    const item = items[first]!;
    const expectation = model.expect(item.request, item.key);
    expect(
      expectation.outcome,
      `${what}: accepted ${describeRequest(item.request, item.key)} as number ${k + 1} in log order, which the model refuses then`,
    ).toBe('accepted');
    types.push(...settle(world, expectation, responses[first]!, what).types);
    tally(world, item.request, expectation, 'batch ');
  }
  for (const i of refusedItems) {
    expect(
      explained.has(i),
      `${what}: ${describeRequest(items[i]!.request, items[i]!.key)} answered ${responses[i]!.statusCode} ${responses[i]!.body}, which no serial order explains`,
    ).toBe(true);
    world.stats.refusals += 1;
  }
  world.stats.batches += 1;
  await checkBooks(world, model, { types, eventIds: serial.map((s) => s.answer.eventId) }, what);
}
