import { describe, expect, it } from 'vitest';
import {
  agencyBalances,
  agencyBalancesProjection,
  allProjections,
  auditEntriesFrom,
  createLedgerBooks,
  flowsMatrix,
  foldAll,
  ledgerBooksProjection,
  listAgencies,
  listPots,
  potSummaryProjection,
} from '../../projections/index.ts';
import { COUNCIL, essexScenario } from './essexScenario.ts';
import { eventsByPosition } from '../support/auditPages.ts';

describe('ledger books: every projection in one fold', () => {
  it('given a history, gives the same answers as folding each projection on its own', () => {
    const { h } = essexScenario();
    const books = createLedgerBooks();
    expect(books.position).toBe(0n);
    for (const event of h.events) books.evolve(event);

    expect(books.position).toBe(11n);
    expect(listPots(books.state.potSummary)).toEqual(
      listPots(foldAll(potSummaryProjection, h.events)),
    );
    expect(agencyBalances(books.state.agencyBalances, COUNCIL)).toEqual(
      agencyBalances(foldAll(agencyBalancesProjection, h.events), COUNCIL),
    );
    expect(listAgencies(books.state.agencyDirectory)).toHaveLength(4);
    expect(flowsMatrix(books.state.benefitFlows).rows).toHaveLength(6);
    expect(
      auditEntriesFrom(books.state.auditTrail, { limit: 100 }, eventsByPosition(h.events)).entries,
    ).toHaveLength(11);
  });

  it('is also a plain projection, for foldAll', () => {
    const { h } = essexScenario();
    const state = foldAll(ledgerBooksProjection, h.events);
    expect(state.position).toBe(11n);
    expect(Object.keys(state.projections).sort()).toEqual(Object.keys(allProjections).sort());
  });

  it('refuses an event it has already folded, which would count its money twice', () => {
    const { h } = essexScenario();
    const books = createLedgerBooks();
    for (const event of h.events) books.evolve(event);
    expect(() => books.evolve(h.events[6]!)).toThrow(
      /invariant: books at position 11 were given event at position 7/,
    );
  });
});
