/**
 * RecordJournalMapping: a partner's account codes for its journal, versioned like the agreement.
 * An admin, or a finance officer of that agency; the agency must be a partner.
 */
import { describe, it } from 'vitest';
import { decideRecordJournalMapping } from '../../commands/recordJournalMapping.ts';
import type { PotEvent } from '../../events/pot.ts';
import { POT_ID } from './fixtures.ts';
import { eventId, fundedWithoutAgreement } from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given } from './spec.ts';

const { cc, police, nhs } = AGENCY;

const LINES = {
  contribution: { costCentre: 'CC100', accountCode: '4010', description: 'Pooled fund payment' },
  expenditure: { costCentre: 'CC100', accountCode: '5200' },
};
const mapping = (o: { agencyId?: string; replaces?: number; lines?: typeof LINES } = {}) => ({
  potId: POT_ID,
  agencyId: o.agencyId ?? cc,
  lines: o.lines ?? LINES,
  ...(o.replaces === undefined ? {} : { replaces: o.replaces }),
});
const V1_ID = eventId(950);
const V2_ID = eventId(951);
const v1 = {
  type: 'JournalMappingRecorded' as const,
  eventId: V1_ID,
  data: { potId: POT_ID, agencyId: cc, version: 1, lines: LINES },
};
const v2 = {
  type: 'JournalMappingRecorded' as const,
  eventId: V2_ID,
  data: { ...v1.data, version: 2, replaces: { version: 1, eventId: V1_ID } },
};

describe('RecordJournalMapping: versions', () => {
  it('an admin records version 1 for a partner, naming nothing it replaces', () => {
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordJournalMapping(state, mapping(), context))
      .then([{ type: 'JournalMappingRecorded', data: v1.data }]);
  });

  it("a finance officer records its own agency's mapping", () => {
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordJournalMapping(state, mapping(), context), {
        actor: financeOfficerOf(cc),
      })
      .then([{ type: 'JournalMappingRecorded', data: v1.data }]);
  });

  it('a later version names the one in force, and a third the second', () => {
    given([...fundedWithoutAgreement, v1])
      .when((state, context) =>
        decideRecordJournalMapping(state, mapping({ replaces: 1 }), context),
      )
      .then([{ type: 'JournalMappingRecorded', data: v2.data }]);
    given([...fundedWithoutAgreement, v1, v2])
      .when((state, context) =>
        decideRecordJournalMapping(state, mapping({ replaces: 2 }), context),
      )
      .then([
        {
          type: 'JournalMappingRecorded',
          data: { ...v1.data, version: 3, replaces: { version: 2, eventId: V2_ID } },
        },
      ]);
  });

  it("each agency's versions count on their own", () => {
    given([...fundedWithoutAgreement, v1])
      .when((state, context) =>
        decideRecordJournalMapping(state, mapping({ agencyId: police }), context),
      )
      .then([{ type: 'JournalMappingRecorded', data: { ...v1.data, agencyId: police } }]);
  });

  it('409 JOURNAL_MAPPING_VERSION_CONFLICT: a first mapping naming a version; a later one naming none or a stale one', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordJournalMapping(state, mapping({ replaces: 1 }), context),
      )
      .thenRefuses('JOURNAL_MAPPING_VERSION_CONFLICT', { version: null });
    given([...fundedWithoutAgreement, v1])
      .when((state, context) => decideRecordJournalMapping(state, mapping(), context))
      .thenRefuses('JOURNAL_MAPPING_VERSION_CONFLICT', { version: 1, eventId: V1_ID });
    given([...fundedWithoutAgreement, v1, v2])
      .when((state, context) =>
        decideRecordJournalMapping(state, mapping({ replaces: 1 }), context),
      )
      .thenRefuses('JOURNAL_MAPPING_VERSION_CONFLICT', { version: 2, eventId: V2_ID });
  });
});

describe('RecordJournalMapping: who, and for whom', () => {
  it("403 FORBIDDEN for a finance officer of another partner (own agency's mapping only)", () => {
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordJournalMapping(state, mapping(), context), {
        actor: financeOfficerOf(police),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('403 FORBIDDEN for a finance officer of an agency that is not a partner', () => {
    given(fundedWithoutAgreement)
      .when(
        (state, context) => decideRecordJournalMapping(state, mapping({ agencyId: nhs }), context),
        { actor: financeOfficerOf(nhs) },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('403 FORBIDDEN for an auditor or a reporter', () => {
    for (const role of ['auditor', 'reporter'] as const) {
      given(fundedWithoutAgreement)
        .when((state, context) => decideRecordJournalMapping(state, mapping(), context), {
          actor: { sub: role, role },
        })
        .thenRefuses('FORBIDDEN');
    }
  });

  it('409 NOT_A_PARTNER for an agency that is not a partner of the pot', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordJournalMapping(state, mapping({ agencyId: nhs }), context),
      )
      .thenRefuses('NOT_A_PARTNER', { agencyIds: [nhs] });
  });

  it('404 NOT_FOUND on a pot never opened; 409 POT_CLOSED on a closed pot', () => {
    given([])
      .when((state, context) => decideRecordJournalMapping(state, mapping(), context))
      .thenRefuses('NOT_FOUND');
    const closed: PotEvent = {
      type: 'PotClosed',
      data: {
        potId: POT_ID,
        effectiveDate: '2026-01-15',
        reason: 'Programme ended',
        returns: [
          { agencyId: cc, amount: '299400.00' },
          { agencyId: police, amount: '199600.00' },
        ],
      },
    };
    given([...fundedWithoutAgreement, closed])
      .when((state, context) => decideRecordJournalMapping(state, mapping(), context))
      .thenRefuses('POT_CLOSED');
  });
});
