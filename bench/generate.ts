/**
 * The benchmark's data sets, written through the real command path (the command handler and
 * the ledger's commands over the event store, as the HTTP routes call them), from a seed:
 * agencies; pots with 3–6 partners; interventions; then a month-by-month mix of contributions,
 * allocations and outcomes across the pots until the log holds the events asked for.
 */
import { AllocateToInterventionBody } from '../commands/allocateToIntervention.ts';
import { ContributeToPotBody } from '../commands/contributeToPot.ts';
import { DefineInterventionBody } from '../commands/defineIntervention.ts';
import { OpenPotBody } from '../commands/openPot.ts';
import { RecordOutcomeBody } from '../commands/recordOutcome.ts';
import { RegisterAgencyBody } from '../commands/registerAgency.ts';
import { createCommandHandler } from '../src/commandHandler.ts';
import { createLedgerCommands, type CommandEnvelope } from '../src/ledgerCommands.ts';
import type { EventStore } from '../src/store/eventStore.ts';
import { between, pick, seededRandom, seededUlids } from './random.ts';

export const AGENCY_KINDS = ['council', 'police', 'probation', 'fire', 'health'] as const;

export interface GeneratedAgency {
  readonly agencyId: string;
  readonly name: string;
  readonly kind: (typeof AGENCY_KINDS)[number];
}

export interface GeneratedPot {
  readonly potId: string;
  readonly partnerAgencyIds: readonly string[];
  readonly interventionIds: string[];
  /** Interventions with an allocation: only they can have outcomes. */
  readonly fundedInterventionIds: string[];
  /** Paid in and not yet allocated, in pence, so allocations are never refused. */
  unallocatedPence: number;
}

export interface GenerateOptions {
  readonly store: EventStore;
  readonly seed: number;
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

const pounds = (pence: number): string => `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;

/** Financial year 2025-26, month by month: effective dates move forward as the log grows. */
function effectiveDate(step: number, totalSteps: number): string {
  const day = Math.min(364, Math.floor((step / Math.max(totalSteps, 1)) * 365));
  return new Date(Date.UTC(2025, 3, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

export async function generateLedgerData(options: GenerateOptions): Promise<GeneratedData> {
  const random = seededRandom(options.seed);
  const newId = seededUlids(seededRandom(options.seed ^ 0x5eed));
  // Recorded times after every effective date (financial year 2025-26), one millisecond apart.
  let tick = Date.UTC(2026, 3, 1);
  const handler = createCommandHandler({ store: options.store, clock: () => new Date(tick++).toISOString(), newEventId: newId });
  const commands = createLedgerCommands(handler, newId);
  const startedAt = Date.now();
  let events = 0;
  let commandCount = 0;
  const envelope = (actor: CommandEnvelope['actor']): CommandEnvelope => {
    const commandId = newId();
    return { actor, commandId, clientSuppliedKey: false, correlationId: commandId };
  };
  const count = async (outcome: Promise<{ events: readonly unknown[] }>) => {
    events += (await outcome).events.length;
    commandCount += 1;
    options.onProgress?.(events);
  };
  const admin = { sub: 'bench-admin', role: 'admin' };
  const officer = (agencyId: string) => ({ sub: `bench-officer-${agencyId}`, role: 'finance-officer', agencyId });

  const agencyCount = Math.max(6, Math.min(60, Math.ceil(options.pots / 2) + 6));
  const agencies: GeneratedAgency[] = [];
  for (let i = 0; i < agencyCount; i++) {
    const kind = AGENCY_KINDS[i % AGENCY_KINDS.length]!;
    const agency = { agencyId: `bench-${kind}-${i}`, name: `Bench ${kind} ${i}`, kind };
    agencies.push(agency);
    await count(commands.registerAgency(RegisterAgencyBody.parse(agency), envelope(admin)));
  }

  const pots: GeneratedPot[] = [];
  for (let i = 0; i < options.pots; i++) {
    const partners = new Set<string>();
    const size = between(random, 3, 6);
    while (partners.size < size) partners.add(pick(random, agencies).agencyId);
    const [host, ...others] = [...partners];
    const opened = await commands.openPot(
      OpenPotBody.parse({ name: `Bench pot ${i}`, area: `Area ${i % 12}`, hostAgencyId: host!, partnerAgencyIds: others }),
      envelope(admin),
    );
    events += opened.events.length;
    commandCount += 1;
    const potId = (opened.events[0]!.data as { potId: string }).potId;
    const pot: GeneratedPot = { potId, partnerAgencyIds: [...partners], interventionIds: [], fundedInterventionIds: [], unallocatedPence: 0 };
    pots.push(pot);
    for (let j = between(random, 2, 4); j > 0; j--) {
      const defined = await commands.defineIntervention(
        potId,
        DefineInterventionBody.parse({ name: `Intervention ${i}.${j}`, leadAgencyId: pick(random, pot.partnerAgencyIds), description: 'Seeded benchmark intervention.' }),
        envelope(officer(host!)),
      );
      events += defined.events.length;
      commandCount += 1;
      pot.interventionIds.push((defined.events[0]!.data as { interventionId: string }).interventionId);
    }
    options.onProgress?.(events);
  }

  // The mix, per command: 60% contributions, 25% allocations (when there is money), 15% outcomes.
  const budgetEnd = options.timeBudgetMs === undefined ? Infinity : startedAt + options.timeBudgetMs;
  let stoppedByTimeBudget = false;
  let step = 0;
  const estimatedSteps = Math.max(1, options.events - events);
  while (events < options.events) {
    if (Date.now() > budgetEnd) {
      stoppedByTimeBudget = true;
      break;
    }
    const pot = pick(random, pots);
    const date = effectiveDate(step++, estimatedSteps);
    const roll = random();
    const host = pot.partnerAgencyIds[0]!;
    if (roll < 0.6 || pot.unallocatedPence < 100_000) {
      const agencyId = pick(random, pot.partnerAgencyIds);
      const pence = between(random, 1_000, 50_000) * 100;
      await count(
        commands.contributeToPot(
          pot.potId,
          ContributeToPotBody.parse({ agencyId, amount: pounds(pence), effectiveDate: date, reference: `PO-${step}` }),
          envelope(officer(agencyId)),
        ),
      );
      pot.unallocatedPence += pence;
    } else if (roll < 0.85 || pot.fundedInterventionIds.length === 0) {
      const interventionId = pick(random, pot.interventionIds);
      const pence = Math.max(100, Math.floor(pot.unallocatedPence * (0.05 + random() * 0.2)));
      await count(
        commands.allocateToIntervention(
          pot.potId,
          AllocateToInterventionBody.parse({ interventionId, amount: pounds(pence), effectiveDate: date, reason: `Board decision ${step}` }),
          envelope(officer(host)),
        ),
      );
      pot.unallocatedPence -= pence;
      if (!pot.fundedInterventionIds.includes(interventionId)) pot.fundedInterventionIds.push(interventionId);
    } else {
      const beneficiary = pick(random, pot.partnerAgencyIds);
      await count(
        commands.recordOutcome(
          pot.potId,
          pick(random, pot.fundedInterventionIds),
          RecordOutcomeBody.parse({
            description: `Seeded outcome ${step}`,
            effectiveDate: date,
            evidenceRef: `EV-${step}`,
            benefits: [{ agencyId: beneficiary, amount: pounds(between(random, 100, 20_000) * 100), cashable: random() < 0.5 }],
          }),
          envelope(officer(host)),
        ),
      );
    }
  }
  return { agencies, pots, events, commands: commandCount, elapsedMs: Date.now() - startedAt, stoppedByTimeBudget };
}
