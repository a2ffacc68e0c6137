/**
 * Unit-cost entries and outcomes by quantity in the SQL read models: the catalogue has no table
 * of its own, but its events appear in rm_audit_trail exactly as GET /v1/audit shows them, and
 * an outcome valued from it lands in the flow tables like any other.
 */
import { afterEach, expect, it } from 'vitest';
import { openReadModelWriter } from '../../../src/books/sqlMirror/openReadModels.ts';
import type { ReadModelWriter } from '../../../src/books/sqlMirror/readModelWriter.ts';
import { essexScenario, expectCreated } from '../../support/testLedger.ts';
import { hipFractureBody } from '../../unitCosts/fixtures.ts';
import { auditFromSql, flowsFromSql } from './reporting.ts';
import { describeEachDb, fileLedger, type ReportingDb } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeEachDb('read models with unit costs', (factory) => {
  it('the audit trail table shows unit-cost entries as the API does, and valued outcomes reach the flow tables', async () => {
    const errors: unknown[] = [];
    let reportingDb: ReportingDb | undefined;
    let mirror: ReadModelWriter | undefined;
    // The ledger keeps the SQL mirror itself, as the server does.
    const fl = await fileLedger({
      readModels: async (storePath) => {
        reportingDb = await factory.create(storePath);
        cleanups.push(() => reportingDb!.close());
        mirror = await openReadModelWriter(reportingDb.url, {
          onError: (error) => errors.push(error),
        });
        return mirror;
      },
    });
    cleanups.push(fl.cleanup);
    const db = reportingDb!;
    const writer = mirror!;

    const { ledger } = fl;
    const scenario = await essexScenario(ledger);
    const admin = scenario.tokens.admin;
    await expectCreated(ledger.post('/v1/unit-costs', admin, hipFractureBody()));
    await expectCreated(
      ledger.post(`/v1/pots/${scenario.potId}/allocations`, admin, {
        interventionId: scenario.interventionId,
        amount: '1000.00',
        effectiveDate: '2025-05-01',
        reason: 'read models',
      }),
    );
    await expectCreated(
      ledger.post(
        `/v1/pots/${scenario.potId}/interventions/${scenario.interventionId}/outcomes`,
        admin,
        {
          description: 'hip fractures avoided',
          effectiveDate: '2025-09-30',
          lines: [
            {
              unitCostCode: 'HEALTH-HIP-FRACTURE',
              quantity: '3',
              beneficiaries: { health: 'nhs-mid-essex' },
            },
          ],
        },
      ),
    );
    const head = await ledger.store.headPosition();
    expect(await ledger.runner.waitFor(head)).toBe(true);
    await writer.flush();
    expect(errors).toEqual([]);

    const auditor = ledger.token('auditor');
    const audit = (await ledger.get('/v1/audit?limit=1000', auditor)).json();
    const sqlAudit = await auditFromSql(db);
    expect(sqlAudit.find((e) => e.type === 'UnitCostAdded')).toEqual(
      audit.entries.find((e: { type: string }) => e.type === 'UnitCostAdded'),
    );
    expect(sqlAudit).toHaveLength(Number(head));

    const flows = (
      await ledger.get(`/v1/flows?potId=${scenario.potId}`, ledger.token('reporter'))
    ).json();
    const { priorPeriodAdjustments: _labels, ...figures } = flows;
    expect(await flowsFromSql(db, { potId: scenario.potId })).toEqual(figures);
    const toNhs = flows.rows.filter(
      (r: { toAgencyId: string }) => r.toAgencyId === 'nhs-mid-essex',
    );
    expect(
      toNhs.reduce(
        (total: number, r: { amount: string }) => total + Math.round(Number(r.amount) * 100),
        0,
      ),
    ).toBe(3_000_000);
  });
});
