/**
 * The shipped starter catalogue and deflator series: valid by the same schemas the API uses,
 * the figures as given, every price year upratable, and the source named.
 */
import { describe, expect, it } from 'vitest';
import { uprate } from '../../events/uprating.ts';
import { readDeflatorFile, readUnitCostFile } from '../../src/unitCosts/unitCostFile.ts';

describe('data/unit-costs.json and data/deflators.json', () => {
  const catalogue = readUnitCostFile();
  const deflators = readDeflatorFile();
  const byCode = new Map(catalogue.entries.map((e) => [e.code, e]));

  it('holds the figures the issue lists, with their splits', () => {
    const figures = Object.fromEntries(
      catalogue.entries.map((e) => [
        e.code,
        [e.amount, e.priceYear, e.split.map((p) => `${p.agencyKind} ${p.amount}`).join(', ')],
      ]),
    );
    expect(figures).toMatchObject({
      'POLICE-ARREST': ['593.00', '2006-07', 'police 593.00'],
      'JUSTICE-PRISON-PLACE': ['33785.00', '2013-14', 'probation 33785.00'],
      'HEALTH-AE-ATTENDANCE': ['109.00', '2011-12', 'health 109.00'],
      'HEALTH-AMBULANCE-CALLOUT': ['216.00', '2013-14', 'health 216.00'],
      'HEALTH-EMERGENCY-INPATIENT': ['1542.00', '2013-14', 'health 1542.00'],
      'HEALTH-HIP-FRACTURE': ['12700.00', '2008-09', 'health 10000.00, council 2700.00'],
      'CRIME-DOMESTIC-VIOLENCE-INCIDENT': [
        '2470.00',
        '2008-09',
        'health 1171.00, other 581.00, police 415.00, council 193.00, housing 110.00',
      ],
      'DWP-ESA-CLAIMANT-INTO-WORK': ['8632.00', '2012-13', 'dwp 7500.00, health 1132.00'],
      'HOUSING-HOMELESSNESS-APPLICATION': ['2501.00', '2010-11', 'council 2501.00'],
    });
  });

  it('names its source on every entry and on the file, as the database licence requires', () => {
    expect(catalogue.source).toContain('GMCA');
    for (const entry of catalogue.entries) expect(entry.source).toMatch(/GMCA Unit Cost Database/);
  });

  it('every price year in the catalogue can be uprated to the reference year with the shipped series', () => {
    for (const entry of catalogue.entries) {
      expect(
        () => uprate(entry.amount, entry.priceYear, deflators.referenceYear, deflators),
        entry.code,
      ).not.toThrow();
    }
    expect(deflators.index[deflators.referenceYear]).toBe('100.0');
    expect(deflators.source).toMatch(/APPROXIMATE/);
    expect(uprate(byCode.get('HEALTH-HIP-FRACTURE')!.amount, '2008-09', '2008-09', deflators)).toBe(
      '12700.00',
    );
  });
});
