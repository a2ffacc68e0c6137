import { describe, expect, it } from 'vitest';
import {
  allEvents,
  contribute,
  describeWriteRouteRefusals,
  expectInvalid,
  expectRefused,
  expectWritten,
  head,
  potSummary,
  useScenario,
} from './helpers.ts';

const UNKNOWN_POT = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const url = (potId: string) => `/v1/pots/${potId}/agreed-contributions`;
const valid = {
  agencyId: 'essex-police',
  financialYear: '2025-26',
  amount: '250000.00',
  boardDecisionRef: 'PB-2025-03 item 4',
};

describe('POST /v1/pots/:potId/agreed-contributions', () => {
  const ctx = useScenario();

  it('201 for an admin; the pot summary shows agreed, received and outstanding', async () => {
    const c = await ctx();
    const police = expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.admin, { ...valid, note: 'Three-year deal' }),
      ['agencyId', 'financialYear', 'amount'],
    );
    expect(police).toMatchObject({
      agencyId: 'essex-police',
      financialYear: '2025-26',
      amount: '250000.00',
    });
    expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.admin, {
        ...valid,
        agencyId: 'essex-cc',
        amount: '300000',
      }),
      ['agencyId', 'financialYear', 'amount'],
    );

    // The scenario paid in: council £300,000 on 2025-04-10, police £200,000 on 2025-04-11 (both 2025-26).
    const summary = await potSummary(c);
    expect(summary.agreedContributions).toEqual([
      {
        agencyId: 'essex-cc',
        financialYear: '2025-26',
        agreed: '300000.00',
        received: '300000.00',
        outstanding: '0.00',
        overpaid: '0.00',
        boardDecisionRef: 'PB-2025-03 item 4',
        versions: 1,
      },
      {
        agencyId: 'essex-police',
        financialYear: '2025-26',
        agreed: '250000.00',
        received: '200000.00',
        outstanding: '50000.00',
        overpaid: '0.00',
        boardDecisionRef: 'PB-2025-03 item 4',
        versions: 1,
      },
    ]);
    const events = await allEvents(c.ledger);
    expect(events.find((e) => e.eventId === police.eventId)).toMatchObject({
      type: 'ContributionAgreed',
      streamId: `pot-${c.potId}`,
      data: { potId: c.potId, ...valid, note: 'Three-year deal' },
    });
  });

  it('a later agreement for the same partner and year varies the one in force, naming it; the summary follows', async () => {
    const c = await ctx();
    const first = expectWritten(await c.ledger.post(url(c.potId), c.tokens.admin, valid), [
      'agencyId',
      'financialYear',
      'amount',
    ]);
    const second = expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.admin, {
        ...valid,
        amount: '180000.00',
        boardDecisionRef: 'PB-2025-09 item 2',
      }),
      ['agencyId', 'financialYear', 'amount', 'varies'],
    );
    expect(second.varies).toEqual({
      agreementEventId: first.eventId,
      amount: '250000.00',
      boardDecisionRef: 'PB-2025-03 item 4',
    });
    await contribute(c, c.tokens.police, 'essex-police', '1.00');
    const row = (await potSummary(c)).agreedContributions[0];
    expect(row).toEqual({
      agencyId: 'essex-police',
      financialYear: '2025-26',
      agreed: '180000.00',
      received: '200001.00',
      outstanding: '0.00',
      overpaid: '20001.00',
      boardDecisionRef: 'PB-2025-09 item 2',
      versions: 2,
    });
  });

  it('409 ALREADY_EXISTS for an agreement that would change nothing; nothing appended', async () => {
    const c = await ctx();
    expectWritten(await c.ledger.post(url(c.potId), c.tokens.admin, valid), [
      'agencyId',
      'financialYear',
      'amount',
    ]);
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url(c.potId), c.tokens.admin, {
          ...valid,
          amount: '250000',
          boardDecisionRef: 'PB-again',
        }),
      409,
      'ALREADY_EXISTS',
    );
  });

  it('409 NOT_A_PARTNER for an agency that is not a partner; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(c.potId), c.tokens.admin, { ...valid, agencyId: 'nhs-mid-essex' }),
      409,
      'NOT_A_PARTNER',
    );
  });

  it('403 FORBIDDEN for a finance officer of a partner that is not the host, even for their own agency; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(c.potId), c.tokens.police, valid),
      403,
      'FORBIDDEN',
    );
  });

  // Issue 13 item 5: the host's finance officer wrote down the host's own agreement (£1,000,000
  // agreed, £200,000 posted with a made-up board reference) and "outstanding" became 0.
  it("403 FORBIDDEN for the host's finance officer varying the host's own agreement; the agreement and outstanding stand", async () => {
    const c = await ctx();
    expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.admin, {
        ...valid,
        agencyId: 'essex-cc',
        amount: '1000000.00',
      }),
      ['agencyId', 'financialYear', 'amount'],
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url(c.potId), c.tokens.cc, {
          ...valid,
          agencyId: 'essex-cc',
          amount: '200000.00',
          boardDecisionRef: 'made up',
        }),
      403,
      'FORBIDDEN',
    );
    expect((await potSummary(c)).agreedContributions).toEqual([
      {
        agencyId: 'essex-cc',
        financialYear: '2025-26',
        agreed: '1000000.00',
        received: '300000.00',
        outstanding: '700000.00',
        overpaid: '0.00',
        boardDecisionRef: 'PB-2025-03 item 4',
        versions: 1,
      },
    ]);
  });

  it("403 FORBIDDEN for the host's finance officer recording another partner's agreement, or a first agreement of its own; nothing appended", async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(c.potId), c.tokens.cc, valid),
      403,
      'FORBIDDEN',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(c.potId), c.tokens.cc, { ...valid, agencyId: 'essex-cc' }),
      403,
      'FORBIDDEN',
    );
  });

  it('404 NOT_FOUND for an unknown pot; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(UNKNOWN_POT), c.tokens.admin, valid),
      404,
      'NOT_FOUND',
    );
  });

  it('the same Idempotency-Key and body answers the original and appends nothing; another body is IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    const headers = { 'idempotency-key': 'agree-police-2025-26' };
    const first = expectWritten(await c.ledger.post(url(c.potId), c.tokens.admin, valid, headers), [
      'agencyId',
      'financialYear',
      'amount',
    ]);
    const before = await head(c.ledger);
    const again = await c.ledger.post(url(c.potId), c.tokens.admin, valid, headers);
    expect(again.json()).toEqual(first);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await head(c.ledger)).toBe(before);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(c.potId), c.tokens.admin, { ...valid, amount: '1.00' }, headers),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  describe('400 VALIDATION_FAILED, nothing appended', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'financial year not consecutive',
        { ...valid, financialYear: '2025-27' },
        'body.financialYear',
      ],
      ['financial year malformed', { ...valid, financialYear: '2025/26' }, 'body.financialYear'],
      ['financial year out of range', { ...valid, financialYear: '2099-00' }, 'body.financialYear'],
      ['amount zero', { ...valid, amount: '0.00' }, 'body.amount'],
      ['amount with 3 decimals', { ...valid, amount: '1.234' }, 'body.amount'],
      ['amount as a number', { ...valid, amount: 100 }, 'body.amount'],
      [
        'board decision missing',
        { agencyId: 'essex-police', financialYear: '2025-26', amount: '1.00' },
        'body.boardDecisionRef',
      ],
      ['board decision blank', { ...valid, boardDecisionRef: '   ' }, 'body.boardDecisionRef'],
      ['agency id not a slug', { ...valid, agencyId: 'Essex Police' }, 'body.agencyId'],
      ['unknown field', { ...valid, varies: 'x' }, 'body'],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => c.ledger.post(url(c.potId), c.tokens.admin, body),
          path,
        );
      });
    }
    it('potId not a ULID', async () => {
      const c = await ctx();
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(url('essex'), c.tokens.admin, valid),
        'params.potId',
      );
    });
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/agreed-contributions',
    url: (c) => url(c.potId),
    body: () => valid,
    allowed: (c) => c.tokens.admin,
    claims: { role: 'admin' },
    forbidden: [
      { who: 'a finance officer of the host partner', token: (c) => c.tokens.cc },
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
      { who: 'a finance officer of a partner that is not the host', token: (c) => c.tokens.police },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['agencyId', 'financialYear', 'amount'],
  });
});
