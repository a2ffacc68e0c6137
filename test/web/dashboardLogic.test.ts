/** The dashboard's plain logic: refusals in plain words, token display, idempotency keys, the Sankey model. */
import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.ts';
import { idempotencyKeys } from '../../web/src/idempotency.ts';
import { fieldOfProblem, plainWords } from '../../web/src/problems.ts';
import { sankeyModel } from '../../web/src/sankeyModel.ts';
import { can, decodeToken, isExpired } from '../../web/src/token.ts';

describe('refusals', () => {
  it('says what a code means and puts it next to the field it concerns', () => {
    const funds = {
      status: 409,
      code: 'INSUFFICIENT_FUNDS',
      detail: 'allocation of 10.00 exceeds the pot’s available 5.00',
    };
    expect(plainWords(funds)).toBe('There is not enough money available for this.');
    expect(plainWords({ ...funds, details: { requested: '10.00', available: '5.00' } })).toBe(
      'There is not enough money available for this. You asked for £10.00; £5.00 is available.',
    );
    expect(fieldOfProblem(funds, ['interventionId', 'amount', 'reason'])).toBe('amount');
    const validation = {
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'body.reason', message: 'must not be blank' }],
    };
    expect(fieldOfProblem(validation, ['amount', 'reason'])).toBe('reason');
    expect(fieldOfProblem({ status: 403, code: 'FORBIDDEN' }, ['agencyId', 'amount'])).toBe(
      'agencyId',
    );
    // No field of this form concerns it: the form-level message takes it.
    expect(fieldOfProblem({ status: 403, code: 'FORBIDDEN' }, ['amount'])).toBeNull();
    expect(plainWords({ status: 418, code: 'SOMETHING_NEW', title: 'A new refusal' })).toBe(
      'A new refusal',
    );
  });
});

describe('tokens, for display', () => {
  const secret = 'dashboard-test-secret-dashboard-test-secret';
  it('reads sub, role, agency and expiry from a real token', () => {
    const claims = decodeToken(
      signToken(secret, { sub: 'bob', role: 'finance-officer', agency: 'essex-police' }, '1h'),
    );
    expect(claims).toMatchObject({ sub: 'bob', role: 'finance-officer', agency: 'essex-police' });
    expect(isExpired(claims!, Date.now())).toBe(false);
    expect(isExpired(claims!, Date.now() + 2 * 3_600_000)).toBe(true);
  });

  it('is null for anything that is not a potledger token', () => {
    for (const bad of [
      '',
      'abc',
      'a.b.c',
      'a.eyJzdWIiOjF9.c',
      `x.${btoa(JSON.stringify({ sub: 'x', role: 'root' }))}.y`,
    ])
      expect(decodeToken(bad)).toBeNull();
  });

  it('offers each role only what the API lets it do', () => {
    const of = (role: string) => ({ sub: 'x', role });
    expect(
      ['admin', 'finance-officer', 'auditor', 'reporter'].map((r) => [
        can.contribute(of(r)),
        can.manageMoney(of(r)),
        can.readAudit(of(r)),
      ]),
    ).toEqual([
      [false, true, true],
      [true, true, false],
      [false, false, true],
      [false, false, false],
    ]);
  });
});

describe('idempotency keys', () => {
  it('one key per submission: resending the same values reuses it, new values or a success get a new one', () => {
    let n = 0;
    const keyFor = idempotencyKeys(() => `k${++n}`);
    const first = keyFor('{"amount":"1.00"}');
    expect(keyFor('{"amount":"1.00"}').key).toBe(first.key);
    const changed = keyFor('{"amount":"2.00"}');
    expect(changed.key).not.toBe(first.key);
    changed.done();
    expect(keyFor('{"amount":"2.00"}').key).not.toBe(changed.key);
  });
});

describe('sankeyModel', () => {
  const names: Record<string, string> = { cc: 'Council', police: 'Police', nhs: 'NHS' };
  const model = sankeyModel(
    [
      {
        interventionId: 'i1',
        name: 'Employment',
        rows: [
          { fromAgencyId: 'cc', toAgencyId: 'police', amount: '100.00', cashableAmount: '100.00' },
          { fromAgencyId: 'cc', toAgencyId: 'nhs', amount: '50.01', cashableAmount: '0.00' },
          { fromAgencyId: 'police', toAgencyId: 'nhs', amount: '20.00', cashableAmount: '5.00' },
        ],
      },
      {
        interventionId: 'i2',
        name: 'Nothing yet',
        rows: [{ fromAgencyId: 'cc', toAgencyId: 'nhs', amount: '0.00', cashableAmount: '0.00' }],
      },
    ],
    (id) => names[id] ?? id,
  );

  it('investor → intervention → beneficiary, with cashable and non-cashable apart, exact to the penny', () => {
    expect(model.links).toEqual([
      { source: 'investor:cc', target: 'intervention:i1', amount: '150.01', kind: 'investment' },
      { source: 'investor:police', target: 'intervention:i1', amount: '20.00', kind: 'investment' },
      { source: 'intervention:i1', target: 'cashable:police', amount: '100.00', kind: 'cashable' },
      { source: 'intervention:i1', target: 'cashable:nhs', amount: '5.00', kind: 'cashable' },
      {
        source: 'intervention:i1',
        target: 'non-cashable:nhs',
        amount: '65.01',
        kind: 'non-cashable',
      },
    ]);
    // An agency can be both investor and beneficiary: separate nodes keep the diagram acyclic.
    expect(model.nodes.map((n) => n.label)).toEqual([
      'Employment',
      'Council',
      'Police',
      'Police (cashable)',
      'NHS (cashable)',
      'NHS (non-cashable)',
    ]);
  });

  it('what flows into an intervention flows out of it', () => {
    const total = (kind: (l: (typeof model.links)[number]) => boolean) =>
      model.links.filter(kind).reduce((sum, l) => sum + Math.round(Number(l.amount) * 100), 0);
    expect(total((l) => l.kind === 'investment')).toBe(total((l) => l.kind !== 'investment'));
  });
});

describe('dashboard text (issue 13 item 9)', () => {
  it('shows bidirectional controls and invisible characters in text it renders as visible <U+XXXX> markers', async () => {
    // The element builder needs only createElement; a stand-in records what is appended.
    const appended: unknown[] = [];
    const element = {
      append: (child: unknown) => appended.push(child),
      setAttribute: () => undefined,
      addEventListener: () => undefined,
    };
    const globals = globalThis as { document?: unknown };
    const before = globals.document;
    globals.document = { createElement: () => element };
    try {
      const { h } = await import('../../web/src/dom.ts');
      h('td', {}, 'PO-1\u202Egnp.exe', 'Essex \u2067County\u2069', 'plain مجلس');
      expect(appended).toEqual([
        'PO-1<U+202E>gnp.exe',
        'Essex <U+2067>County<U+2069>',
        'plain مجلس',
      ]);
    } finally {
      globals.document = before;
    }
  });
});
