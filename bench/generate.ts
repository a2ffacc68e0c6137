/**
 * The benchmark's data sets, written through the real command path (the command handler and
 * the ledger's commands over the event store, as the HTTP routes call them), from a seed:
 * agencies; pots with 3–6 partners; interventions; then a month-by-month mix of contributions,
 * allocations and outcomes until the log holds the events asked for — across many pots
 * ('mixed'), or all on one pot with a second, fresh pot beside it ('bigPot').
 *
 * Commands go in waves of up to WAVE_COMMANDS in flight at once (Promise.all), not one by one:
 * the handler serialises commands per stream, and a write path with group commit can put a
 * whole wave into a few transactions. What a wave sends is decided before it starts, from
 * money and funded interventions acknowledged in earlier waves only, so no command is ever
 * refused whatever order the handler answers in, and the same seed gives the same commands.
 */
import { AllocateToInterventionBody } from '../commands/allocateToIntervention.ts';
import { ContributeToPotBody } from '../commands/contributeToPot.ts';
import { DefineInterventionBody } from '../commands/defineIntervention.ts';
import { OpenPotBody } from '../commands/openPot.ts';
import { RecordOutcomeBody } from '../commands/recordOutcome.ts';
import { RegisterAgencyBody } from '../commands/registerAgency.ts';
import { createCommandHandler } from '../src/writePath/commandHandler.ts';
import { createLedgerCommands, type CommandEnvelope } from '../src/writePath/ledgerCommands.ts';
import type { EventStore } from '../src/store/eventStore.ts';
import { between, pick, seededRandom, seededUlids } from './random.ts';

export const AGENCY_KINDS = ['council', 'police', 'probation', 'fire', 'health'] as const;
/** Commands in flight at once. */
export const WAVE_COMMANDS = 256;
/** A pot needs this much unallocated money (pence) before the mix allocates from it. */
const MIN_POT_FOR_ALLOCATION_PENCE = 100_000;

export type DataSetKind = 'mixed' | 'bigPot';

export interface GeneratedAgency {
  readonly agencyId: string;
  readonly name: string;
  readonly kind: (typeof AGENCY_KINDS)[number];
}

export interface GeneratedPot {
  readonly potId: string;
  readonly partnerAgencyIds: readonly string[];
  readonly interventionIds: string[];
  /** Interventions with an acknowledged allocation: only they can have outcomes. */
  readonly fundedInterventionIds: string[];
  /** Paid in (acknowledged) and not yet allocated, in pence, so allocations are never refused. */
  unallocatedPence: number;
}

export interface GenerateOptions {
  readonly store: EventStore;
  readonly seed: number;
  /** 'mixed' (default): the mix over every pot. 'bigPot': the mix on pots[0] only; pots[1] stays fresh. */
  readonly kind?: DataSetKind;
  /** Pots to open (a 'bigPot' set opens 2 whatever this says). */
  readonly pots: number;
  /** Stop once the log holds at least this many events (agencies and pots count). */
  readonly events: number;
  /** Stop early, with fewer events, once this much time has gone (full mode's guard). */
  readonly timeBudgetMs?: number;
  readonly onProgress?: (events: number) => void;
}

export interface GeneratedData {
  readonly agencies: readonly GeneratedAgency[];
  readonly pots: readonly GeneratedPot[];
  readonly events: number;
  readonly commands: number;
  readonly elapsedMs: number;
  /** True when the time budget ran out before `events` was reached. */
  readonly stoppedByTimeBudget: boolean;
}

const pounds = (pence: number): string =>
  `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;

/** Financial year 2025-26, month by month: effective dates move forward as the log grows. */
function effectiveDate(step: number, totalSteps: number): string {
  const day = Math.min(364, Math.floor((step / Math.max(totalSteps, 1)) * 365));
  return new Date(Date.UTC(2025, 3, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

type Outcome = Promise<{ events: readonly { data: unknown }[] }>;

export async function generateLedgerData(options: GenerateOptions): Promise<GeneratedData> {
  const kind = options.kind ?? 'mixed';
  const random = seededRandom(options.seed);
  const newId = seededUlids(seededRandom(options.seed ^ 0x5eed));
  // Recorded times after every effective date (financial year 2025-26), one millisecond apart.
  let tick = Date.UTC(2026, 3, 1);
  const handler = createCommandHandler({
    store: options.store,
    clock: () => new Date(tick++).toISOString(),
    newEventId: newId,
  });
  const commands = createLedgerCommands(handler, newId);
  const startedAt = Date.now();
  let events = 0;
  let commandCount = 0;
  const envelope = (actor: CommandEnvelope['actor']): CommandEnvelope => {
    const commandId = newId();
    return { actor, commandId, clientSuppliedKey: false, correlationId: commandId };
  };
  /** Sends a wave at once; answers each command's events in the order they were sent. */
  const wave = async (sends: readonly (() => Outcome)[]) => {
    const outcomes = await Promise.all(sends.map((send) => send()));
    for (const outcome of outcomes) events += outcome.events.length;
    commandCount += outcomes.length;
    options.onProgress?.(events);
    return outcomes;
  };
  const admin = { sub: 'bench-admin', role: 'admin' };
  const officer = (agencyId: string) => ({
    sub: `bench-officer-${agencyId}`,
    role: 'finance-officer',
    agencyId,
  });

  const potCount = kind === 'bigPot' ? 2 : options.pots;
  const agencyCount = Math.max(6, Math.min(60, Math.ceil(potCount / 2) + 6));
  const agencies: GeneratedAgency[] = [];
  for (let i = 0; i < agencyCount; i++) {
    const agencyKind = AGENCY_KINDS[i % AGENCY_KINDS.length]!;
    agencies.push({
      agencyId: `bench-${agencyKind}-${i}`,
      name: `Bench ${agencyKind} ${i}`,
      kind: agencyKind,
    });
  }
  await wave(
    agencies.map(
      (agency) => () => commands.registerAgency(RegisterAgencyBody.parse(agency), envelope(admin)),
    ),
  );

  const partnerSets: string[][] = [];
  for (let i = 0; i < potCount; i++) {
    const partners = new Set<string>();
    const size = between(random, 3, 6);
    while (partners.size < size) partners.add(pick(random, agencies).agencyId);
    partnerSets.push([...partners]);
  }
  const opened = await wave(
    partnerSets.map(
      ([host, ...others], i) =>
        () =>
          commands.openPot(
            OpenPotBody.parse({
              name: `Bench pot ${i}`,
              area: `Area ${i % 12}`,
              hostAgencyId: host!,
              partnerAgencyIds: others,
            }),
            envelope(admin),
          ),
    ),
  );
  const pots: GeneratedPot[] = opened.map((outcome, i) => ({
    potId: (outcome.events[0]!.data as { potId: string }).potId,
    partnerAgencyIds: partnerSets[i]!,
    interventionIds: [],
    fundedInterventionIds: [],
    unallocatedPence: 0,
  }));
  const definitions: { pot: GeneratedPot; send: () => Outcome }[] = [];
  for (const [i, pot] of pots.entries()) {
    for (let j = between(random, 2, 4); j > 0; j--) {
      const body = DefineInterventionBody.parse({
        name: `Intervention ${i}.${j}`,
        leadAgencyId: pick(random, pot.partnerAgencyIds),
        description: 'Seeded benchmark intervention.',
      });
      const env = envelope(officer(pot.partnerAgencyIds[0]!));
      definitions.push({ pot, send: () => commands.defineIntervention(pot.potId, body, env) });
    }
  }
  const defined = await wave(definitions.map((d) => d.send));
  defined.forEach((outcome, k) =>
    definitions[k]!.pot.interventionIds.push(
      (outcome.events[0]!.data as { interventionId: string }).interventionId,
    ),
  );

  // The mix, per command: 60% contributions, 25% allocations (when there is money), 15% outcomes.
  const mixPots = kind === 'bigPot' ? [pots[0]!] : pots;
  const budgetEnd =
    options.timeBudgetMs === undefined ? Infinity : startedAt + options.timeBudgetMs;
  let stoppedByTimeBudget = false;
  let step = 0;
  const estimatedSteps = Math.max(1, options.events - events);
  while (events < options.events) {
    if (Date.now() > budgetEnd) {
      stoppedByTimeBudget = true;
      break;
    }
    // Every command of the mix writes at least one event: a wave never overshoots by much.
    const size = Math.min(WAVE_COMMANDS, options.events - events);
    const sends: (() => Outcome)[] = [];
    /** What the wave changes in the generator's picture, applied once it is acknowledged. */
    const acknowledged: (() => void)[] = [];
    for (let k = 0; k < size; k++) {
      const pot = pick(random, mixPots);
      const date = effectiveDate(step++, estimatedSteps);
      const reference = step;
      const roll = random();
      const host = pot.partnerAgencyIds[0]!;
      if (roll < 0.6 || pot.unallocatedPence < MIN_POT_FOR_ALLOCATION_PENCE) {
        const agencyId = pick(random, pot.partnerAgencyIds);
        const pence = between(random, 1_000, 50_000) * 100;
        const body = ContributeToPotBody.parse({
          agencyId,
          amount: pounds(pence),
          effectiveDate: date,
          reference: `PO-${reference}`,
        });
        const env = envelope(officer(agencyId));
        sends.push(() => commands.contributeToPot(pot.potId, body, env));
        acknowledged.push(() => (pot.unallocatedPence += pence));
      } else if (roll < 0.85 || pot.fundedInterventionIds.length === 0) {
        const interventionId = pick(random, pot.interventionIds);
        const pence = Math.max(100, Math.floor(pot.unallocatedPence * (0.05 + random() * 0.2)));
        // Taken now, so later allocations in this wave only see what is left.
        pot.unallocatedPence -= pence;
        const body = AllocateToInterventionBody.parse({
          interventionId,
          amount: pounds(pence),
          effectiveDate: date,
          reason: `Board decision ${reference}`,
        });
        const env = envelope(officer(host));
        sends.push(() => commands.allocateToIntervention(pot.potId, body, env));
        acknowledged.push(() => {
          if (!pot.fundedInterventionIds.includes(interventionId))
            pot.fundedInterventionIds.push(interventionId);
        });
      } else {
        const beneficiary = pick(random, pot.partnerAgencyIds);
        const interventionId = pick(random, pot.fundedInterventionIds);
        const body = RecordOutcomeBody.parse({
          description: `Seeded outcome ${reference}`,
          effectiveDate: date,
          evidenceRef: `EV-${reference}`,
          benefits: [
            {
              agencyId: beneficiary,
              amount: pounds(between(random, 100, 20_000) * 100),
              cashable: random() < 0.5,
            },
          ],
        });
        const env = envelope(officer(host));
        sends.push(() => commands.recordOutcome(pot.potId, interventionId, body, env));
      }
    }
    await wave(sends);
    for (const apply of acknowledged) apply();
  }
  return {
    agencies,
    pots,
    events,
    commands: commandCount,
    elapsedMs: Date.now() - startedAt,
    stoppedByTimeBudget,
  };
}
