/**
 * The ledger's commands as the HTTP API and the CLI issue them: each one names its stream,
 * its aggregate and its decider, and fills in the ids the server chooses.
 */
import { newUlid } from './fastUlid.ts';
import { decideAllocateToIntervention, type AllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideContributeToPot, type ContributeToPot } from '../../commands/contributeToPot.ts';
import { decideDefineIntervention, type DefineIntervention } from '../../commands/defineIntervention.ts';
import { decideJoinPot, type JoinPot } from '../../commands/joinPot.ts';
import { decideOpenPot, type OpenPot } from '../../commands/openPot.ts';
import { evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import { beneficiaryIdsOf, decideRecordOutcome, type RecordOutcome } from '../../commands/recordOutcome.ts';
import { decideRegisterAgency, evolveAgency, initialAgencyState, type AgencyState, type RegisterAgency } from '../../commands/registerAgency.ts';
import { decideReverseEntry, type ReverseEntry } from '../../commands/reverseEntry.ts';
import { decideAddUnitCost, decideSupersedeUnitCost, type AddUnitCost, type UnitCostFigures } from '../../commands/addUnitCost.ts';
import { evolveUnitCost, initialUnitCostState, type UnitCostState } from '../../commands/unitCostState.ts';
import { unitCostStreamId, type UnitCostEvent } from '../../events/unitCost.ts';
import { decideChangeApprovalThreshold, type ChangeApprovalThreshold } from '../../commands/changeApprovalThreshold.ts';
import { decideCloseFinancialYear, type CloseFinancialYear } from '../../commands/closeFinancialYear.ts';
import { decideClosePot, type ClosePot } from '../../commands/closePot.ts';
import {
  decideApproveAllocation,
  decideRejectAllocation,
  type ApproveAllocation,
  type RejectAllocation,
} from '../../commands/decideAllocationRequest.ts';
import { DomainError } from '../../commands/domainError.ts';
import { decideAgreeContribution, type AgreeContribution } from '../../commands/agreeContribution.ts';
import { decideSetInterventionAssumptions, type SetInterventionAssumptions } from '../../commands/setInterventionAssumptions.ts';
import { agencyStreamId, potIdOfStream, potStreamId, type Actor, type AgencyEvent, type PotEvent } from '../../events/index.ts';
import type { Aggregate, CommandHandler, CommandOutcome, CommandRequest } from './commandHandler.ts';
import { commandFingerprint } from './fingerprint.ts';
import type { ValuationReader } from './valuationReader.ts';
import type { DeflatorSeries } from '../../events/uprating.ts';
import { readDeflatorFile } from '../unitCosts/unitCostFile.ts';

export const potAggregate: Aggregate<PotState, PotEvent> = { initialState: initialPotState, evolve: evolvePot };
export const agencyAggregate: Aggregate<AgencyState, AgencyEvent> = { initialState: initialAgencyState, evolve: evolveAgency };
export const unitCostAggregate: Aggregate<UnitCostState, UnitCostEvent> = { initialState: initialUnitCostState, evolve: evolveUnitCost };

/** Who sent a command, and the keys that tie it to its request. */
export interface CommandEnvelope {
  readonly actor: Actor;
  /** The client's Idempotency-Key, or a fresh ULID when it sent none. */
  readonly commandId: string;
  readonly clientSuppliedKey: boolean;
  readonly correlationId: string;
  readonly causationId?: string;
}

type Body<T, Generated extends keyof T> = Omit<T, Generated>;

/**
 * `deflators`: the series a unit cost's price year must be in (the shipped data/deflators.json
 * unless a test gives another), so every entry can be uprated and every outcome valued from it
 * can go into a cost-benefit report.
 */
export function createLedgerCommands(
  handler: CommandHandler,
  newId: () => string = newUlid,
  valuationReader?: ValuationReader,
  deflators: Pick<DeflatorSeries, 'index'> = readDeflatorFile(),
) {
  /** Refused before deciding: the deciders stay pure, and nothing is appended. */
  function requireCoveredPriceYear(priceYear: string): void {
    if (deflators.index[priceYear] !== undefined) return;
    const years = Object.keys(deflators.index).sort();
    throw new DomainError(
      'VALIDATION_FAILED',
      `price year ${priceYear} is not in the deflator series, which covers ${years[0]} to ${years.at(-1)} (${years.join(', ')}); an entry in it could never be uprated`,
      { priceYear, coveredYears: years },
    );
  }

  function onPot(
    name: string,
    potId: string,
    params: Record<string, string>,
    body: unknown,
    envelope: CommandEnvelope,
    agencyIds: readonly string[],
    decide: CommandRequest<PotState, PotEvent>['decide'],
  ): Promise<CommandOutcome> {
    return handler.execute({
      streamId: potStreamId(potId),
      aggregate: potAggregate,
      fingerprint: commandFingerprint(name, params, body, envelope.actor),
      agencyIds,
      decide,
      ...envelopeFields(envelope),
    });
  }

  return {
    registerAgency(body: RegisterAgency, envelope: CommandEnvelope): Promise<CommandOutcome> {
      const fingerprint = commandFingerprint('RegisterAgency', {}, body, envelope.actor);
      const build = (streamId: string): CommandRequest<AgencyState, AgencyEvent> => ({
        streamId,
        aggregate: agencyAggregate,
        fingerprint,
        agencyIds: [],
        decide: (state) => decideRegisterAgency(state, body),
        ...envelopeFields(envelope),
      });
      // The agency's stream is named by the body, so a retry always reaches the same stream and
      // its own command memory is enough: no claim (a claim could outlive a refused register).
      return handler.execute(build(agencyStreamId(body.agencyId)));
    },

    openPot(body: Body<OpenPot, 'potId'>, envelope: CommandEnvelope): Promise<CommandOutcome> {
      const fingerprint = commandFingerprint('OpenPot', {}, body, envelope.actor);
      const build = (streamId: string): CommandRequest<PotState, PotEvent> => ({
        streamId,
        aggregate: potAggregate,
        fingerprint,
        agencyIds: [body.hostAgencyId, ...body.partnerAgencyIds],
        decide: (state, context) => decideOpenPot(state, { ...body, potId: potIdOfStream(streamId)! }, context),
        ...envelopeFields(envelope),
      });
      const streamId = potStreamId(newId());
      if (!envelope.clientSuppliedKey) return handler.execute(build(streamId));
      return handler.executeCreate({ command: 'OpenPot', commandId: envelope.commandId, actor: envelope.actor, fingerprint, proposedStreamId: streamId, build });
    },

    joinPot(potId: string, body: Body<JoinPot, 'potId'>, envelope: CommandEnvelope) {
      return onPot('JoinPot', potId, { potId }, body, envelope, [body.agencyId], (state, context) =>
        decideJoinPot(state, { ...body, potId }, context),
      );
    },

    contributeToPot(potId: string, body: Body<ContributeToPot, 'potId' | 'contributionId'>, envelope: CommandEnvelope) {
      const contributionId = newId();
      return onPot('ContributeToPot', potId, { potId }, body, envelope, [], (state, context) =>
        decideContributeToPot(state, { ...body, potId, contributionId }, context),
      );
    },

    defineIntervention(potId: string, body: Body<DefineIntervention, 'potId' | 'interventionId'>, envelope: CommandEnvelope) {
      const interventionId = newId();
      return onPot('DefineIntervention', potId, { potId }, body, envelope, [], (state, context) =>
        decideDefineIntervention(state, { ...body, potId, interventionId }, context),
      );
    },

    allocateToIntervention(potId: string, body: Body<AllocateToIntervention, 'potId' | 'allocationId'>, envelope: CommandEnvelope) {
      const allocationId = newId();
      return onPot('AllocateToIntervention', potId, { potId }, body, envelope, [], (state, context) =>
        decideAllocateToIntervention(state, { ...body, potId, allocationId }, context),
      );
    },

    async recordOutcome(
      potId: string,
      interventionId: string,
      body: Body<RecordOutcome, 'potId' | 'interventionId' | 'outcomeId'>,
      envelope: CommandEnvelope,
    ) {
      const outcomeId = newId();
      // Lines by quantity are valued from the catalogue as it stands now; the decider stays pure.
      const valuation = async () => {
        if (body.lines === undefined) return {};
        if (valuationReader === undefined) throw new Error('invariant: outcomes by quantity need a valuation reader');
        return { valuation: await valuationReader.read(potId, body) };
      };
      const valued = await valuation();
      return onPot(
        'RecordOutcome',
        potId,
        { potId, interventionId },
        body,
        envelope,
        [...(body.benefits ?? []).map((b) => b.agencyId), ...beneficiaryIdsOf(body)],
        (state, context) => decideRecordOutcome(state, { ...body, potId, interventionId, outcomeId, ...valued }, context),
      );
    },

    /** Unit-cost entries live in one stream per code, named by the code, so a retry reaches the same stream. */
    async addUnitCost(body: AddUnitCost, envelope: CommandEnvelope): Promise<CommandOutcome> {
      requireCoveredPriceYear(body.priceYear);
      return handler.execute<UnitCostState, UnitCostEvent>({
        streamId: unitCostStreamId(body.code),
        aggregate: unitCostAggregate,
        fingerprint: commandFingerprint('AddUnitCost', {}, body, envelope.actor),
        agencyIds: [],
        decide: (state) => decideAddUnitCost(state, body),
        ...envelopeFields(envelope),
      });
    },

    async supersedeUnitCost(code: string, body: UnitCostFigures, envelope: CommandEnvelope): Promise<CommandOutcome> {
      requireCoveredPriceYear(body.priceYear);
      return handler.execute<UnitCostState, UnitCostEvent>({
        streamId: unitCostStreamId(code),
        aggregate: unitCostAggregate,
        fingerprint: commandFingerprint('SupersedeUnitCost', { code }, body, envelope.actor),
        agencyIds: [],
        decide: (state) => decideSupersedeUnitCost(state, { ...body, code }),
        ...envelopeFields(envelope),
      });
    },

    reverseEntry(potId: string, body: Body<ReverseEntry, 'potId'>, envelope: CommandEnvelope) {
      return onPot('ReverseEntry', potId, { potId }, body, envelope, [], (state, context) =>
        decideReverseEntry(state, { ...body, potId }, context),
      );
    },

    changeApprovalThreshold(potId: string, body: Body<ChangeApprovalThreshold, 'potId'>, envelope: CommandEnvelope) {
      return onPot('ChangeApprovalThreshold', potId, { potId }, body, envelope, [], (state, context) =>
        decideChangeApprovalThreshold(state, { ...body, potId }, context),
      );
    },

    async approveAllocation(
      potId: string,
      allocationId: string,
      body: Body<ApproveAllocation, 'potId' | 'allocationId'>,
      envelope: CommandEnvelope,
    ): Promise<CommandOutcome> {
      const outcome = await onPot('ApproveAllocation', potId, { potId, allocationId }, body, envelope, [], (state, context) =>
        decideApproveAllocation(state, { ...body, potId, allocationId }, context),
      );
      return refuseSelfApproval(outcome);
    },

    rejectAllocation(potId: string, allocationId: string, body: Body<RejectAllocation, 'potId' | 'allocationId'>, envelope: CommandEnvelope) {
      return onPot('RejectAllocation', potId, { potId, allocationId }, body, envelope, [], (state, context) =>
        decideRejectAllocation(state, { ...body, potId, allocationId }, context),
      );
    },

    closeFinancialYear(
      potId: string,
      financialYear: string,
      body: Body<CloseFinancialYear, 'potId' | 'financialYear'>,
      envelope: CommandEnvelope,
    ) {
      return onPot('CloseFinancialYear', potId, { potId, financialYear }, body, envelope, [], (state, context) =>
        decideCloseFinancialYear(state, { ...body, potId, financialYear }, context),
      );
    },

    closePot(potId: string, body: Body<ClosePot, 'potId'>, envelope: CommandEnvelope) {
      return onPot('ClosePot', potId, { potId }, body, envelope, [], (state, context) => decideClosePot(state, { ...body, potId }, context));
    },
    agreeContribution(potId: string, body: Body<AgreeContribution, 'potId'>, envelope: CommandEnvelope) {
      return onPot('AgreeContribution', potId, { potId }, body, envelope, [], (state, context) =>
        decideAgreeContribution(state, { ...body, potId }, context),
      );
    },

    setInterventionAssumptions(
      potId: string,
      interventionId: string,
      body: Body<SetInterventionAssumptions, 'potId' | 'interventionId'>,
      envelope: CommandEnvelope,
    ) {
      return onPot('SetInterventionAssumptions', potId, { potId, interventionId }, body, envelope, [], (state, context) =>
        decideSetInterventionAssumptions(state, { ...body, potId, interventionId }, context),
      );
    },
  };
}

export type LedgerCommands = ReturnType<typeof createLedgerCommands>;

/**
 * The one place a recorded self-approval attempt becomes the client's refusal. The attempt is
 * appended (the inspectorate must see it) but the command did not succeed: fresh or replayed for
 * the same Idempotency-Key, the answer is 409 SEGREGATION_OF_DUTIES, and a replay appends nothing.
 */
function refuseSelfApproval(outcome: CommandOutcome): CommandOutcome {
  const attempt = outcome.events.find((event) => event.type === 'SelfApprovalAttempted');
  if (attempt === undefined) return outcome;
  const { allocationId } = attempt.data as { allocationId: string };
  throw new DomainError('SEGREGATION_OF_DUTIES', `you requested allocation ${allocationId}, so you may not approve it: another finance officer or an admin must`, {
    allocationId,
    eventId: attempt.eventId,
    position: attempt.position.toString(),
  });
}

function envelopeFields(envelope: CommandEnvelope) {
  return {
    commandId: envelope.commandId,
    actor: envelope.actor,
    correlationId: envelope.correlationId,
    ...(envelope.causationId === undefined ? {} : { causationId: envelope.causationId }),
  };
}
