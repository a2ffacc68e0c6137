/**
 * The pooled-fund year in the SQL read models: the worked year of
 * test/projections/settlementScenario.ts (a settlement with release, cover and shares; a
 * risk-share payment and a reversed one) written through the writer, in batches of any size,
 * then read back the way a reporting job would: the balances and pots as the books say them,
 * and the year's records (rm_agreements, rm_spend, rm_commitments, rm_forecasts,
 * rm_settlement_lines).
 */
import { afterEach, expect, it } from 'vitest';
import {
  agencyBalances,
  auditEntriesFrom,
  createLedgerBooks,
  potSummary,
} from '../../../projections/index.ts';
import { openReadModelWriter } from '../../../src/books/sqlMirror/openReadModels.ts';
import { READ_MODEL_PROJECTIONS } from '../../../src/books/sqlMirror/tables.ts';
import type { RecordedEvent } from '../../../src/store/eventStore.ts';
import { eventsByPosition } from '../../support/auditPages.ts';
import { COUNCIL, POLICE, settlementScenario } from '../../projections/settlementScenario.ts';
import { checkpointsIn, describeEachDb, snapshot, type ReadModelDbFactory } from './support.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const scenario = settlementScenario();
const events = scenario.h.events as unknown as RecordedEvent[];

/** The scenario written through a fresh writer, `batchSize` events a transaction. */
async function written(factory: ReadModelDbFactory, batchSize: number) {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-rm-pool-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const db = await factory.create(join(dir, `read-models-${batchSize}.db`));
  cleanups.push(() => db.close());
  const writer = await openReadModelWriter(db.url);
  const books = createLedgerBooks();
  for (let i = 0; i < events.length; i += batchSize) {
    for (const event of scenario.h.events.slice(i, i + batchSize)) books.evolve(event);
    await writer.applyBatch(events.slice(i, i + batchSize), books.state);
  }
  await writer.close();
  return { db, books };
}

describeEachDb('read models of the pooled-fund year', (factory) => {
  it('the balances, pots and partners follow the settlement and the risk-share payments as the books do', async () => {
    const { db, books } = await written(factory, 1_000);
    const head = events.at(-1)!.position;
    expect(await checkpointsIn(db)).toEqual(
      Object.fromEntries(READ_MODEL_PROJECTIONS.map((p) => [p, head])),
    );
    const pot = potSummary(books.state.potSummary, scenario.potId)!;
    const [potRow] = await db.all(
      'SELECT contributed, allocated, available, risk_share_owed_pence, risk_share_paid_pence FROM rm_pots WHERE pot_id = ?',
      [scenario.potId],
    );
    expect(Object.values(potRow!).map(String)).toEqual([
      pot.contributed,
      pot.allocated,
      pot.available,
      '500000',
      '200000',
    ]);
    const partners = await db.all(
      'SELECT agency_id, drawn, stake, risk_share_owed, risk_share_paid FROM rm_pot_partners WHERE pot_id = ? ORDER BY partner_order',
      [scenario.potId],
    );
    expect(partners.map((r) => Object.values(r).map(String))).toEqual(
      pot.partners.map((p) => [p.agencyId, p.drawn, p.stake, p.riskShareOwed, p.riskSharePaid]),
    );
    const interventions = await db.all(
      'SELECT name, funded, spent FROM rm_interventions WHERE pot_id = ? ORDER BY intervention_order',
      [scenario.potId],
    );
    expect(interventions.map((r) => Object.values(r).map(String))).toEqual([
      ['Reablement', '40000.00', '40000.00'],
      ['Home care', '65000.00', '65000.00'],
    ]);
    const balances = await db.all(
      'SELECT agency_id, drawn, net_fiscal_position, risk_share_owed, risk_share_paid FROM rm_agency_pot_balances ORDER BY agency_id',
    );
    expect(balances.map((r) => Object.values(r).map(String))).toEqual(
      [COUNCIL, POLICE].map((agencyId) => {
        const b = agencyBalances(books.state.agencyBalances, agencyId).total;
        return [agencyId, b.drawn, b.netFiscalPosition, b.riskShareOwed, b.riskSharePaid];
      }),
    );
    // Invested per cell follows the settlement, as the flows matrix does.
    const invested = await db.all(
      `SELECT agency_id, SUM(invested_pence) AS pence FROM rm_investments WHERE financial_year = '2025-26' GROUP BY agency_id ORDER BY agency_id`,
    );
    expect(invested.map((r) => [String(r.agency_id), String(r.pence)])).toEqual([
      [COUNCIL, '6300000'],
      [POLICE, '4200000'],
    ]);
    // Every event has its audit row, its summary as the API gives it.
    const audit = await db.all('SELECT summary FROM rm_audit_trail ORDER BY position');
    expect(audit.map((r) => String(r.summary))).toEqual(
      auditEntriesFrom(
        books.state.auditTrail,
        { limit: 1_000 },
        eventsByPosition(events),
      ).entries.map((e) => e.summary),
    );
  });

  it('the year’s records: agreements, spend, commitments, forecasts and one row per settlement line', async () => {
    const { db } = await written(factory, 1_000);
    const e = scenario.events;
    expect(
      (
        await db.all(
          `SELECT version, reference, ${db.dateText('start_date')} AS start_date, spend_tracking, cover_from_pot, overspend_share, underspend, replaces_version FROM rm_agreements ORDER BY pot_id, version`,
        )
      ).map((r) => Object.values(r).map((v) => (v === null ? null : String(v)))),
    ).toEqual([
      ['1', 'AG-2025', '2025-04-01', '1', '1', 'contributions', 'carry-forward', null],
      ['2', 'AG-2025', '2025-04-01', '1', '1', 'contributions', 'carry-forward', '1'],
    ]);
    const spend = await db.all(
      `SELECT invoice_ref, amount_pence, financial_year, vat, vat_pence, vat_recoverable, overspend_by, reversed_by_event_id, ${db.dateText('reversed_on')} AS reversed_on FROM rm_spend ORDER BY spend_id`,
    );
    expect(spend.map((r) => Object.values(r).map((v) => (v === null ? null : String(v))))).toEqual([
      ['INV-1', '4000000', '2025-26', '6666.67', '666667', '1', null, null, null],
      ['INV-2', '50000', '2025-26', null, null, null, null, e.spendReversed.eventId, '2025-10-02'],
      ['INV-6', '4000000', '2025-26', null, null, null, null, null, null],
      ['INV-7', '2500000', '2025-26', null, null, null, '25000.00', null, null],
    ]);
    const [commitment] = await db.all(
      'SELECT reference, amount, released, cancelled, outstanding, reversed_by_event_id FROM rm_commitments',
    );
    expect(Object.values(commitment!).map(String)).toEqual([
      'PO-1',
      '5000.00',
      '1000.00',
      '4000.00',
      '0.00',
      e.cancelled.eventId,
    ]);
    const forecasts = await db.all(
      'SELECT quarter, forecast_outturn, budget, explanation, withdrawn_by_event_id FROM rm_forecasts ORDER BY forecast_id',
    );
    expect(
      forecasts.map((r) => Object.values(r).map((v) => (v === null ? null : String(v)))),
    ).toEqual([
      ['1', '40000.00', '40000.00', null, e.forecastWithdrawn.eventId],
      ['3', '65000.00', '40000.00', 'Winter demand', null],
    ]);
    const lines = await db.all(
      `SELECT intervention_id, agency_id, kind, amount, ${db.dateText('effective_date')} AS effective_date FROM rm_settlement_lines WHERE pot_id = ? AND financial_year = '2025-26' ORDER BY kind, intervention_id, agency_id`,
      [scenario.potId],
    );
    expect(lines.map((r) => Object.values(r).map(String))).toEqual([
      [scenario.homeCare, COUNCIL, 'covered', '12000.00', '2026-03-31'],
      [scenario.homeCare, POLICE, 'covered', '8000.00', '2026-03-31'],
      ['', COUNCIL, 'owed', '3000.00', '2026-03-31'],
      ['', POLICE, 'owed', '2000.00', '2026-03-31'],
      [scenario.reablement, COUNCIL, 'released', '6000.00', '2026-03-31'],
      [scenario.reablement, POLICE, 'released', '4000.00', '2026-03-31'],
      [scenario.homeCare, COUNCIL, 'shared', '3000.00', '2026-03-31'],
      [scenario.homeCare, POLICE, 'shared', '2000.00', '2026-03-31'],
    ]);
    // The sums a reporting job takes, in pence: cover from the stakes, shares, and the debts they make.
    const [totals] = await db.all(
      `SELECT SUM(CASE WHEN kind = 'covered' THEN amount_pence ELSE 0 END) AS covered, SUM(CASE WHEN kind = 'shared' THEN amount_pence ELSE 0 END) AS shared, SUM(CASE WHEN kind = 'owed' THEN amount_pence ELSE 0 END) AS owed FROM rm_settlement_lines`,
    );
    expect(Object.values(totals!).map(String)).toEqual(['2000000', '500000', '500000']);
  });

  it('written one event per transaction or all at once, the tables come out the same', async () => {
    const one = await written(factory, 1);
    const seven = await written(factory, 7);
    const all = await written(factory, 1_000);
    const reference = await snapshot(all.db);
    expect(await snapshot(one.db)).toEqual(reference);
    expect(await snapshot(seven.db)).toEqual(reference);
  });
});
