/**
 * Group commit keeps every guarantee of one-command-one-transaction: the same log and books,
 * nothing half-written when a commit fails, the original answer for a retry whose original is
 * still committing, and no overdraft when two writers share a pot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../commands/domainError.ts';
import { createLogVerifier } from '../../src/audit/logVerifier.ts';
import type { CommandOutcome } from '../../src/writePath/commandHandler.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import {
  allEvents,
  EFFECTIVE_DATE,
  ledgerOn,
  normalisedLedger,
  openStore,
  setUp,
  tempDbPath,
  type Setup,
} from './support.ts';

type Op =
  | {
      readonly kind: 'contribute';
      readonly pot: number;
      readonly agency: number;
      readonly pence: number;
    }
  | { readonly kind: 'allocate'; readonly pot: number; readonly pence: number }
  /** Reverses the n-th contribution (modulo how many there are) made in an earlier wave. */
  | { readonly kind: 'reverse'; readonly n: number };

const POTS = 3;
const pounds = (pence: number) =>
  `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      pot: fc.nat(POTS - 1),
      agency: fc.nat(2),
      pence: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      pot: fc.nat(POTS - 1),
      pence: fc.integer({ min: 1, max: 80_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), n: fc.nat(1_000) }) },
);
const waves = fc.array(fc.array(op, { minLength: 1, maxLength: 25 }), {
  minLength: 1,
  maxLength: 4,
});

/** Runs the waves one command at a time (`concurrent` false) or each wave all at once; answers each command's result. */
async function run(store: EventStore, ops: readonly (readonly Op[])[], concurrent: boolean) {
  const ledger = ledgerOn(store);
  const setup = await setUp(ledger, POTS);
  const AGENCY_IDS = ['essex-cc', 'essex-police', 'essex-fire'];
  const contributions: { potId: string; eventId: string }[] = [];
  const answers: string[] = [];
  for (const wave of ops) {
    const known = [...contributions];
    const fire = (o: Op): Promise<CommandOutcome> => {
      if (o.kind === 'contribute') {
        const potId = setup.potIds[o.pot]!;
        return ledger.commands.contributeToPot(
          potId,
          {
            agencyId: AGENCY_IDS[o.agency]!,
            amount: pounds(o.pence),
            effectiveDate: EFFECTIVE_DATE,
            reference: 'r',
          },
          ledger.envelope(),
        );
      }
      if (o.kind === 'allocate') {
        return ledger.commands.allocateToIntervention(
          setup.potIds[o.pot]!,
          {
            interventionId: setup.interventionIds[o.pot]!,
            amount: pounds(o.pence),
            effectiveDate: EFFECTIVE_DATE,
            reason: 'r',
          },
          ledger.envelope(),
        );
      }
      if (known.length === 0)
        return Promise.reject(new DomainError('VALIDATION_FAILED', 'nothing to reverse yet'));
      const target = known[o.n % known.length]!;
      return ledger.commands.reverseEntry(
        target.potId,
        { eventId: target.eventId, reason: 'r', effectiveDate: EFFECTIVE_DATE },
        ledger.envelope(),
      );
    };
    const settled = (outcome: Promise<CommandOutcome>) =>
      outcome.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    const record = (o: Op, answer: { value?: CommandOutcome; error?: unknown }) => {
      if (answer.value !== undefined) {
        if (o.kind === 'contribute')
          contributions.push({
            potId: setup.potIds[o.pot]!,
            eventId: answer.value.events[0]!.eventId,
          });
        answers.push(`${o.kind}:ok`);
        return;
      }
      if (!(answer.error instanceof DomainError)) throw answer.error;
      answers.push(`${o.kind}:${answer.error.code}`);
    };
    if (concurrent) {
      // Fired in the wave's order, all before any is answered; answers collected in the same order.
      const outcomes = wave.map((o) => settled(fire(o)));
      for (const [i, o] of wave.entries()) record(o, await outcomes[i]!);
    } else {
      for (const o of wave) record(o, await settled(fire(o)));
    }
  }
  return { setup, answers, groups: ledger.handler.groupCommitStats() };
}

async function verifies(store: EventStore): Promise<void> {
  const verifier = createLogVerifier({
    positionsContiguous: store.positionsContiguous,
    logChained: store.logChained,
  });
  for (const event of await allEvents(store)) expect(verifier.check(event)).toBeNull();
}

function moneyIsConserved(ledgerView: Awaited<ReturnType<typeof normalisedLedger>>): void {
  for (const pot of ledgerView.pots as {
    contributed: string;
    allocated: string;
    available: string;
    partners: { stake: string }[];
  }[]) {
    const pence = (s: string) => Math.round(Number(s) * 100);
    expect(pence(pot.contributed) - pence(pot.allocated)).toBe(pence(pot.available));
    expect(pot.partners.reduce((sum, p) => sum + pence(p.stake), 0)).toBe(pence(pot.available));
    for (const partner of pot.partners) expect(pence(partner.stake)).toBeGreaterThanOrEqual(0);
  }
}

describe('group commit', () => {
  it('gives the same log and books as one-by-one appends, for random waves of contributions, allocations and reversals', async () => {
    let grouped = 0;
    await fc.assert(
      fc.asyncProperty(waves, async (ops) => {
        const one = openStore();
        const two = openStore();
        try {
          const sequential = await run(one.store, ops, false);
          const concurrent = await run(two.store, ops, true);
          expect(concurrent.answers).toEqual(sequential.answers);
          const a = await normalisedLedger(one.store, sequential.setup);
          const b = await normalisedLedger(two.store, concurrent.setup);
          expect(b).toEqual(a);
          moneyIsConserved(b);
          await verifies(two.store);
          if (concurrent.groups.requests > concurrent.groups.groups) grouped += 1;
        } finally {
          await one.store.close();
          await two.store.close();
        }
      }),
      { numRuns: 25 },
    );
    // The property is about group commit: most runs must really have shared commits.
    expect(grouped).toBeGreaterThan(10);
  }, 120_000);

  it('many commands on one pot share one commit, and the log still verifies', async () => {
    const { store } = openStore();
    const ledger = ledgerOn(store);
    const setup = await setUp(ledger, 1);
    const before = ledger.handler.groupCommitStats();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.commands.contributeToPot(
          setup.potIds[0]!,
          {
            agencyId: 'essex-police',
            amount: `${i + 1}.00`,
            effectiveDate: EFFECTIVE_DATE,
            reference: 'r',
          },
          ledger.envelope(),
        ),
      ),
    );
    const after = ledger.handler.groupCommitStats();
    expect(after.requests - before.requests).toBe(50n);
    expect(after.groups - before.groups).toBeLessThan(5n);
    const positions = outcomes.map((o) => o.events[0]!.position);
    expect(new Set(positions).size).toBe(50);
    await verifies(store);
    await store.close();
  });
});

describe('a failing group commit', () => {
  it('commits nothing of its commands and answers each with the store error; the commands after it are decided again', async () => {
    const { store } = openStore();
    let failNext = false;
    const failing: EventStore = Object.assign(Object.create(store) as EventStore, {
      appendBatch: async (requests: Parameters<EventStore['appendBatch']>[0]) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk on fire');
        }
        return store.appendBatch(requests);
      },
    });
    const ledger = ledgerOn(failing);
    const setup = await setUp(ledger, 2);
    const head = await store.headPosition();
    failNext = true;
    const contribute = (pot: number, amount: string) =>
      ledger.commands
        .contributeToPot(
          setup.potIds[pot]!,
          { agencyId: 'essex-police', amount, effectiveDate: EFFECTIVE_DATE, reference: 'r' },
          ledger.envelope(),
        )
        .then(
          (o) => o,
          (e: unknown) => e as Error,
        );
    const first = [contribute(0, '10.00'), contribute(1, '20.00'), contribute(0, '30.00')];
    const answers = await Promise.all(first);
    for (const answer of answers) expect(answer).toMatchObject({ message: 'disk on fire' });
    expect(await store.headPosition()).toBe(head);
    // The cached pots were dropped: the next commands are decided on what the store holds.
    const next = await contribute(0, '5.00');
    expect(next).not.toBeInstanceOf(Error);
    const view = await normalisedLedger(store, setup);
    expect((view.pots[0] as { contributed: string }).contributed).toBe('5.00');
    expect((view.pots[1] as { contributed: string }).contributed).toBe('0.00');
    await verifies(store);
    await store.close();
  });

  it('a command decided on top of a failing one is decided again, on the committed state, and its refusal too', async () => {
    const { store } = openStore();
    let failFirst = true;
    const failing: EventStore = Object.assign(Object.create(store) as EventStore, {
      appendBatch: async (requests: Parameters<EventStore['appendBatch']>[0]) => {
        if (
          failFirst &&
          requests.some((r) => r.events.some((e) => e.type === 'ContributionReceived'))
        ) {
          failFirst = false;
          // Only the contribution's group fails; the allocation was decided on it meanwhile.
          throw new Error('lost the disk');
        }
        return store.appendBatch(requests);
      },
    });
    const ledger = ledgerOn(failing, { maxGroupCommitEvents: 1 });
    const setup = await setUp(ledger, 1);
    const potId = setup.potIds[0]!;
    const contribution = ledger.commands
      .contributeToPot(
        potId,
        {
          agencyId: 'essex-police',
          amount: '100.00',
          effectiveDate: EFFECTIVE_DATE,
          reference: 'r',
        },
        ledger.envelope(),
      )
      .catch((e: unknown) => e as Error);
    const allocation = ledger.commands
      .allocateToIntervention(
        potId,
        {
          interventionId: setup.interventionIds[0]!,
          amount: '60.00',
          effectiveDate: EFFECTIVE_DATE,
          reason: 'r',
        },
        ledger.envelope(),
      )
      .catch((e: unknown) => e as Error);
    expect(await contribution).toMatchObject({ message: 'lost the disk' });
    // Decided again without the failed contribution: nothing to allocate from.
    expect(await allocation).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const view = await normalisedLedger(store, setup);
    expect((view.pots[0] as { allocated: string }).allocated).toBe('0.00');
    await store.close();
  });
});

describe('idempotency under group commit', () => {
  it('a retry whose original is still committing waits for it and answers the same events', async () => {
    const { store } = openStore();
    const ledger = ledgerOn(store);
    const setup = await setUp(ledger, 1);
    const body = {
      agencyId: 'essex-police',
      amount: '12.34',
      effectiveDate: EFFECTIVE_DATE,
      reference: 'r',
    };
    const original = ledger.commands.contributeToPot(
      setup.potIds[0]!,
      body,
      ledger.envelope(undefined, 'key-1'),
    );
    const retry = ledger.commands.contributeToPot(
      setup.potIds[0]!,
      body,
      ledger.envelope(undefined, 'key-1'),
    );
    const [a, b] = await Promise.all([original, retry]);
    expect(a.replayed).toBe(false);
    expect(b.replayed).toBe(true);
    expect(b.events).toEqual(a.events);
    // And once committed, from the store (the memory keeps only where the events are).
    const later = await ledger.commands.contributeToPot(
      setup.potIds[0]!,
      body,
      ledger.envelope(undefined, 'key-1'),
    );
    expect(later.events.map((e) => ({ ...e, logHash: undefined }))).toEqual(
      a.events.map((e) => ({ ...e, logHash: undefined })),
    );
    expect(later.replayed).toBe(true);
    const other = ledger.commands.contributeToPot(
      setup.potIds[0]!,
      { ...body, amount: '1.00' },
      ledger.envelope(undefined, 'key-1'),
    );
    await expect(other).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const contributions = (await allEvents(store)).filter((e) => e.type === 'ContributionReceived');
    expect(contributions).toHaveLength(1);
    await store.close();
  });
});

describe('two writers on one SQLite file', () => {
  it('never overdraw one pot, whatever each handler has pending', async () => {
    const path = tempDbPath();
    const first = openStore(path);
    const second = openStore(path);
    const a = ledgerOn(first.store);
    const setup: Setup = await setUp(a, 1);
    const b = ledgerOn(second.store, {}, 'B');
    const potId = setup.potIds[0]!;
    await a.commands.contributeToPot(
      potId,
      {
        agencyId: 'essex-police',
        amount: '1000.00',
        effectiveDate: EFFECTIVE_DATE,
        reference: 'r',
      },
      a.envelope(),
    );
    const allocate = (ledger: typeof a) =>
      ledger.commands
        .allocateToIntervention(
          potId,
          {
            interventionId: setup.interventionIds[0]!,
            amount: '70.00',
            effectiveDate: EFFECTIVE_DATE,
            reason: 'r',
          },
          ledger.envelope(),
        )
        .then(
          () => 'ok',
          (e: unknown) => (e instanceof DomainError ? e.code : Promise.reject(e)),
        );
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => allocate(i % 2 === 0 ? a : b)),
    );
    const won = answers.filter((x) => x === 'ok').length;
    // £1,000 holds 14 allocations of £70; every other answer is a refusal, never an overdraft.
    expect(won).toBe(14);
    expect(
      answers
        .filter((x) => x !== 'ok')
        .every((x) => x === 'INSUFFICIENT_FUNDS' || x === 'CONCURRENCY_CONFLICT'),
    ).toBe(true);
    // The two handlers really did get in each other's way, and the revision guard caught it.
    expect(
      a.handler.stats().appendConflictsRetried + b.handler.stats().appendConflictsRetried,
    ).toBeGreaterThan(0n);
    const view = await normalisedLedger(first.store, setup);
    expect(view.pots[0]).toMatchObject({ allocated: '980.00', available: '20.00' });
    moneyIsConserved(view);
    await verifies(first.store);
    await first.store.close();
    await second.store.close();
  });
});
