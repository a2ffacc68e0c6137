/**
 * Issue 13 item 9: bidirectional controls and invisible format characters. New text holding one
 * is refused at the door (400 VALIDATION_FAILED naming the field and the code point); text that
 * older events already hold stays in the log exactly, and is shown with a visible <U+202E>
 * wherever a person reads it (audit trail, exceptions, CSV, audit pack) and written as a JSON
 * escape wherever a program reads it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasHiddenCharacter } from '../../events/hiddenCharacters.ts';
import { createCommandHandler } from '../../src/writePath/commandHandler.ts';
import { writeAuditPack } from '../../src/cli/auditPack.ts';
import { newUlid } from '../../src/writePath/fastUlid.ts';
import { createLedgerCommands, type CommandEnvelope } from '../../src/writePath/ledgerCommands.ts';
import { AUDIT_PACK_FILES } from '../../src/audit/pack/packFiles.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import type { Actor } from '../../events/index.ts';
import { createTestLedger, type TestLedger } from '../support/testLedger.ts';
import { expectProblem, scenarioCtx, type Ctx } from './helpers.ts';

/** A sample of what is refused: every bidi control, the zero-widths, BOM, soft hyphen, a tag character. */
const HIDDEN = [
  '\u202E',
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u2060',
  '\u2064',
  '\uFEFF',
  '\u00AD',
  '\u180E',
  '\u{E0041}',
  '\u3164',
];
const label = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('hidden characters in new text: refused at the door', () => {
  let c: Ctx;
  beforeAll(async () => {
    c = await scenarioCtx();
  });
  afterAll(async () => {
    await c?.ledger.close();
  });

  it.each(HIDDEN.map((h) => [label(h), h]))(
    'a contribution reference holding %s: 400 naming the field and the code point, nothing appended',
    async (name, hidden) => {
      const before = await c.ledger.store.headPosition();
      const res = await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.cc, {
        agencyId: 'essex-cc',
        amount: '10.00',
        effectiveDate: '2025-05-01',
        reference: `PO-1${hidden}gnp.exe`,
      });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.detail).toContain('body.reference');
      expect(problem.detail).toContain(name);
      expect(hasHiddenCharacter(res.body), 'the refusal itself must not carry the character').toBe(
        false,
      );
      expect(await c.ledger.store.headPosition()).toBe(before);
    },
  );

  it('a nested text field (a unit cost split line label) and an object key are refused too', async () => {
    const unitCost = {
      code: 'HIDDEN-1',
      description: 'hidden',
      unit: 'per case',
      amount: '10.00',
      priceYear: '2010-11',
      split: [{ agencyKind: 'police', amount: '10.00', cashable: false, label: 'courts\u202E' }],
      source: 'test',
    };
    expect(
      expectProblem(
        await c.ledger.post('/v1/unit-costs', c.tokens.admin, unitCost),
        400,
        'VALIDATION_FAILED',
      ).detail,
    ).toContain('body.split.0.label');
    expectProblem(
      await c.ledger.post('/v1/agencies', c.tokens.admin, {
        agencyId: 'k-agency',
        name: 'K',
        kind: 'other',
        ['x\u200B']: 1,
      }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('a token whose subject holds one is refused: not minted, and 401 when signed by other means', async () => {
    expect(() => c.ledger.token('admin', { sub: 'ali\u202Ece' })).toThrow(/U\+202E/);
    const { handSignedToken } = await import('./helpers.ts');
    const now = Math.floor(Date.now() / 1000);
    const token = handSignedToken({ sub: 'ali\u202Ece', role: 'admin', iat: now, exp: now + 3600 });
    expectProblem(await c.ledger.get('/v1/pots', token), 401, 'UNAUTHENTICATED');
  });

  it('control: the same texts without the hidden character are accepted (right-to-left script, emoji, accents)', async () => {
    for (const reference of ['PO-1 gnp.exe', 'مجلس مقاطعة إسكس', 'Café 💸', 'Z̴̡a̶l̷g̴o̵']) {
      const res = await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.cc, {
        agencyId: 'essex-cc',
        amount: '1.00',
        effectiveDate: '2025-05-01',
        reference,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
});

describe('hidden characters that older events hold: kept exactly, shown visibly', () => {
  const SPOOFED = 'PO-1\u202Egnp.exe';
  const dir = mkdtempSync(join(tmpdir(), 'potledger-hidden-'));
  const dbPath = join(dir, 'ledger.db');
  let ledger: TestLedger;
  let potId: string;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    // Written as an older server did: through the commands, with no door refusing the characters.
    const store = createSqliteEventStore(dbPath);
    const commands = createLedgerCommands(createCommandHandler({ store }));
    const envelope = (actor: Actor): CommandEnvelope => ({
      actor,
      commandId: newUlid(),
      clientSuppliedKey: false,
      correlationId: newUlid(),
    });
    const oldAdmin = { sub: 'mal\u202Elory', role: 'admin' };
    const officer = { sub: 'carol\u200B', role: 'finance-officer', agencyId: 'essex-cc' };
    await commands.registerAgency(
      { agencyId: 'essex-cc', name: 'Essex \u2067County\u2069 Council', kind: 'council' },
      envelope(oldAdmin),
    );
    const opened = await commands.openPot(
      {
        name: 'Pot\u00AD of \uFEFFgold',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
        partnerAgencyIds: [],
        currency: 'GBP',
      },
      envelope(oldAdmin),
    );
    potId = (opened.events[0]!.data as { potId: string }).potId;
    const paid = await commands.contributeToPot(
      potId,
      { agencyId: 'essex-cc', amount: '100.00', effectiveDate: '2025-05-01', reference: SPOOFED },
      envelope(officer),
    );
    await commands.reverseEntry(
      potId,
      {
        eventId: paid.events[0]!.eventId,
        reason: 'entered \u202Ein error',
        effectiveDate: '2025-05-02',
      },
      envelope(oldAdmin),
    );
    await store.close?.();
    ledger = await createTestLedger({ store: createSqliteEventStore(dbPath) });
    admin = ledger.token('admin');
    auditor = ledger.token('auditor', { sub: 'ivy' });
  });
  afterAll(async () => {
    await ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the log keeps the text exactly (GET /v1/events parses to it) while the bytes sent carry only \\u escapes', async () => {
    const res = await ledger.get('/v1/events?limit=1000', auditor);
    expect(res.statusCode, res.body).toBe(200);
    expect(hasHiddenCharacter(res.body)).toBe(false);
    expect(res.body).toContain('PO-1\\u202egnp.exe');
    const references = (res.json().events as { data: { reference?: string } }[])
      .map((e) => e.data.reference)
      .filter((r) => r !== undefined);
    expect(references).toContain(SPOOFED);
  });

  it('GET /v1/audit shows every hidden character as a visible marker in the summary, reason and actor', async () => {
    const res = await ledger.get('/v1/audit?limit=1000', auditor);
    expect(res.statusCode, res.body).toBe(200);
    const entries = res.json().entries as {
      summary: string;
      reason?: string;
      actor: { sub: string };
    }[];
    expect(hasHiddenCharacter(JSON.stringify(entries))).toBe(false);
    expect(entries.some((e) => e.summary.includes('PO-1<U+202E>gnp.exe'))).toBe(true);
    expect(entries.some((e) => e.reason === 'entered <U+202E>in error')).toBe(true);
    expect(entries.some((e) => e.actor.sub === 'mal<U+202E>lory')).toBe(true);
    expect(entries.some((e) => e.actor.sub === 'carol<U+200B>')).toBe(true);
  });

  it('the exceptions list, the pot summary and the audit CSV carry no hidden character (beyond the CSV byte order mark)', async () => {
    const exceptions = await ledger.get(`/v1/pots/${potId}/exceptions`, auditor);
    expect(exceptions.statusCode, exceptions.body).toBe(200);
    expect(hasHiddenCharacter(JSON.stringify(exceptions.json()))).toBe(false);
    expect(JSON.stringify(exceptions.json())).toContain('<U+202E>');
    const pot = await ledger.get(`/v1/pots/${potId}`, admin);
    expect(hasHiddenCharacter(pot.body)).toBe(false);
    expect(pot.json().name).toBe('Pot\u00AD of \uFEFFgold');
    const csv = await ledger.get('/v1/audit/export.csv', auditor);
    expect(csv.statusCode).toBe(200);
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    expect(hasHiddenCharacter(csv.body.slice(1))).toBe(false);
    expect(csv.body).toContain('PO-1<U+202E>gnp.exe');
  });

  it('the audit pack: no file carries a hidden character (beyond the CSV byte order marks), and the JSON Lines still hold the exact data', async () => {
    const outDir = join(dir, 'pack');
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const result = await writeAuditPack({
      storeUrl: `sqlite:${dbPath}`,
      potId,
      financialYear: '2025-26',
      outDir,
      out: sink,
      progress: sink,
      generatedAt: '2026-01-01T00:00:00Z',
    });
    expect(result.ok).toBe(true);
    for (const name of AUDIT_PACK_FILES) {
      const content = readFileSync(join(outDir, name), 'utf8');
      expect(hasHiddenCharacter(content.replace(/^\uFEFF/, '')), name).toBe(false);
    }
    const lines = readFileSync(join(outDir, 'audit-trail.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { data: { reference?: string } });
    expect(lines.map((l) => l.data.reference)).toContain(SPOOFED);
    expect(readFileSync(join(outDir, 'audit-trail.csv'), 'utf8')).toContain('PO-1<U+202E>gnp.exe');
  });
});
