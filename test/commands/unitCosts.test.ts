/**
 * AddUnitCost and SupersedeUnitCost: catalogue entries are added once and changed only by a new
 * version naming the one it supersedes; a split must account for the whole amount, exactly.
 */
import { describe, expect, it } from 'vitest';
import { decideAddUnitCost, decideSupersedeUnitCost } from '../../commands/addUnitCost.ts';
import { MAX_UNIT_COST_VERSIONS } from '../../events/unitCost.ts';
import { HIP, hipFractureBody, unitCostAdded } from '../unitCosts/fixtures.ts';
import { givenUnitCost } from './spec.ts';

const { code: _code, ...hipFigures } = hipFractureBody();

describe('AddUnitCost', () => {
  it('adds version 1 of a new code, amounts normalised to two decimal places', () => {
    givenUnitCost([])
      .when((state) =>
        decideAddUnitCost(
          state,
          hipFractureBody({
            amount: '12700',
            split: [
              { agencyKind: 'health', amount: '10000', cashable: false },
              {
                agencyKind: 'council',
                amount: '2700.0',
                cashable: true,
                label: 'adult social care',
              },
            ],
          }),
        ),
      )
      .then([unitCostAdded(hipFractureBody())]);
  });

  it('refuses a code that already exists (duplicate code and version): ALREADY_EXISTS', () => {
    givenUnitCost([unitCostAdded(hipFractureBody())])
      .when((state) => decideAddUnitCost(state, hipFractureBody()))
      .thenRefuses('ALREADY_EXISTS');
  });

  it('refuses a split that does not sum to the amount, naming both figures', () => {
    givenUnitCost([])
      .when((state) => decideAddUnitCost(state, hipFractureBody({ amount: '12700.01' })))
      .thenRefuses('VALIDATION_FAILED', { amount: '12700.01', splitTotal: '12700.00' });
  });

  it('refuses a split that names the same kind and cashability twice', () => {
    givenUnitCost([])
      .when((state) =>
        decideAddUnitCost(
          state,
          hipFractureBody({
            split: [
              { agencyKind: 'health', amount: '10000.00', cashable: false },
              { agencyKind: 'health', amount: '2700.00', cashable: false },
            ],
          }),
        ),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('accepts the same kind twice when one part is cashable and the other is not', () => {
    const body = hipFractureBody({
      split: [
        { agencyKind: 'health', amount: '10000.00', cashable: false },
        { agencyKind: 'health', amount: '2700.00', cashable: true },
      ],
    });
    givenUnitCost([])
      .when((state) => decideAddUnitCost(state, body))
      .then([unitCostAdded(body)]);
  });
});

describe('SupersedeUnitCost', () => {
  it('adds the next version, naming the version it supersedes; the earlier version stays in the stream', () => {
    const revised = {
      ...hipFigures,
      amount: '13000.00',
      split: [
        { agencyKind: 'health' as const, amount: '10300.00', cashable: false },
        {
          agencyKind: 'council' as const,
          amount: '2700.00',
          cashable: true,
          label: 'adult social care',
        },
      ],
    };
    givenUnitCost([unitCostAdded(hipFractureBody()), unitCostAdded(hipFractureBody(), 2)])
      .when((state) => decideSupersedeUnitCost(state, { ...revised, code: HIP }))
      .then([unitCostAdded({ ...revised, code: HIP }, 3)]);
  });

  it('refuses to supersede a code that was never added: NOT_FOUND', () => {
    givenUnitCost([])
      .when((state) => decideSupersedeUnitCost(state, { ...hipFigures, code: HIP }))
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a new version whose split does not sum to its amount', () => {
    givenUnitCost([unitCostAdded(hipFractureBody())])
      .when((state) => decideSupersedeUnitCost(state, { ...hipFigures, amount: '1.00', code: HIP }))
      .thenRefuses('VALIDATION_FAILED');
  });

  it(`refuses a version past ${MAX_UNIT_COST_VERSIONS}`, () => {
    const history = Array.from({ length: MAX_UNIT_COST_VERSIONS }, (_, i) =>
      unitCostAdded(hipFractureBody(), i + 1),
    );
    const when = givenUnitCost(history).when((state) =>
      decideSupersedeUnitCost(state, { ...hipFigures, code: HIP }),
    );
    expect(when.thenRefuses('VALIDATION_FAILED').message).toContain(String(MAX_UNIT_COST_VERSIONS));
  });
});
