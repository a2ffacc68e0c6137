/**
 * The ledger's commands as the HTTP API and the CLI issue them. What each command is decided on
 * and how (stream, aggregate, decider) is commands/ledgerDeciders.ts; this file adds what comes
 * from outside the domain: the ids the server chooses, the valuation inputs read from the store,
 * the deflator series, and the command's identity (fingerprint, caller, keys).
 */
import { newUlid } from './fastUlid.ts';
import type { AllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import type { ContributeToPot } from '../../commands/contributeToPot.ts';
import type { DefineIntervention } from '../../commands/defineIntervention.ts';
import type { JoinPot } from '../../commands/joinPot.ts';
import type { OpenPot } from '../../commands/openPot.ts';
import type { RecordOutcome } from '../../commands/recordOutcome.ts';
import type { RegisterAgency } from '../../commands/registerAgency.ts';
import type { ReverseEntry } from '../../commands/reverseEntry.ts';
import type { AddUnitCost, UnitCostFigures } from '../../commands/addUnitCost.ts';
import type { ChangeSignInMapping } from '../../commands/changeSignInMapping.ts';
import type { ChangeApprovalThreshold } from '../../commands/changeApprovalThreshold.ts';
import type { CloseFinancialYear } from '../../commands/closeFinancialYear.ts';
import type { ClosePot } from '../../commands/closePot.ts';
import type {
  ApproveAllocation,
  RejectAllocation,
} from '../../commands/decideAllocationRequest.ts';
import { DomainError } from '../../commands/domainError.ts';
import type { AgreeContribution } from '../../commands/agreeContribution.ts';
import type { SetInterventionAssumptions } from '../../commands/setInterventionAssumptions.ts';
import type { RecordAgreement } from '../../commands/recordAgreement.ts';
import type { RecordBcfMinimums } from '../../commands/recordBcfMinimums.ts';
import { previewSettlement } from '../../commands/settleFinancialYear.ts';
import { potAggregate } from '../../commands/aggregates.ts';
import type { PotState } from '../../commands/potState.ts';
import type { FinancialYearSettled } from '../../events/poolYear.ts';
import type { RecordSchemeDetails } from '../../commands/recordSchemeDetails.ts';
import type { RecordJournalMapping } from '../../commands/recordJournalMapping.ts';
import type {
  RaiseCommitment,
  RecordForecast,
  RecordSpend,
  ReleaseCommitment,
} from '../../commands/recordSpend.ts';
import type {
  ClaimOutcome,
  PayClaim,
  RecordRateCard,
  RejectClaim,
  ValidateClaim,
} from '../../commands/outcomePayments.ts';
import { ledgerDeciders, type LedgerDecider } from '../../commands/ledgerDeciders.ts';
import { potIdOfStream, potStreamId, type Actor } from '../../events/index.ts';
import type { CommandHandler, CommandOutcome, CommandRequest } from './commandHandler.ts';
import { commandFingerprint } from './fingerprint.ts';
import type { ValuationReader } from './valuationReader.ts';
import type { DeflatorSeries } from '../../events/uprating.ts';
import { readDeflatorFile } from '../unitCosts/unitCostFile.ts';

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

  /**
   * The handler's request for `command`: the decider's stream, aggregate and decision, under a
   * fingerprint over the command's name, its path parameters and the body as the caller sent it.
   */
  function request<C, S, E extends { type: string; data: unknown }>(
    decider: LedgerDecider<C, S, E>,
    params: Record<string, string>,
    body: unknown,
    command: C,
    envelope: CommandEnvelope,
  ): CommandRequest<S, E> {
    return {
      ...decider.assemble(command),
      fingerprint: commandFingerprint(decider.name, params, body, envelope.actor),
      ...envelopeFields(envelope),
    };
  }

  function run<C, S, E extends { type: string; data: unknown }>(
    decider: LedgerDecider<C, S, E>,
    params: Record<string, string>,
    body: unknown,
    command: C,
    envelope: CommandEnvelope,
  ): Promise<CommandOutcome> {
    return handler.execute(request(decider, params, body, command, envelope));
  }

  const d = ledgerDeciders;

  return {
    registerAgency(body: RegisterAgency, envelope: CommandEnvelope): Promise<CommandOutcome> {
      // The agency's stream is named by the body, so a retry always reaches the same stream and
      // its own command memory is enough: no claim (a claim could outlive a refused register).
      return run(d.registerAgency, {}, body, body, envelope);
    },

    openPot(body: Body<OpenPot, 'potId'>, envelope: CommandEnvelope): Promise<CommandOutcome> {
      const build = (streamId: string) =>
        request(d.openPot, {}, body, { ...body, potId: potIdOfStream(streamId)! }, envelope);
      const streamId = potStreamId(newId());
      if (!envelope.clientSuppliedKey) return handler.execute(build(streamId));
      const fingerprint = commandFingerprint(d.openPot.name, {}, body, envelope.actor);
      return handler.executeCreate({
        command: 'OpenPot',
        commandId: envelope.commandId,
        actor: envelope.actor,
        fingerprint,
        proposedStreamId: streamId,
        build,
      });
    },

    joinPot(potId: string, body: Body<JoinPot, 'potId'>, envelope: CommandEnvelope) {
      return run(d.joinPot, { potId }, body, { ...body, potId }, envelope);
    },

    contributeToPot(
      potId: string,
      body: Body<ContributeToPot, 'potId' | 'contributionId'>,
      envelope: CommandEnvelope,
    ) {
      const contributionId = newId();
      return run(d.contributeToPot, { potId }, body, { ...body, potId, contributionId }, envelope);
    },

    defineIntervention(
      potId: string,
      body: Body<DefineIntervention, 'potId' | 'interventionId'>,
      envelope: CommandEnvelope,
    ) {
      const interventionId = newId();
      return run(
        d.defineIntervention,
        { potId },
        body,
        { ...body, potId, interventionId },
        envelope,
      );
    },

    allocateToIntervention(
      potId: string,
      body: Body<AllocateToIntervention, 'potId' | 'allocationId'>,
      envelope: CommandEnvelope,
    ) {
      const allocationId = newId();
      return run(
        d.allocateToIntervention,
        { potId },
        body,
        { ...body, potId, allocationId },
        envelope,
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
        if (valuationReader === undefined)
          throw new Error('invariant: outcomes by quantity need a valuation reader');
        return { valuation: await valuationReader.read(potId, body) };
      };
      const valued = await valuation();
      return run(
        d.recordOutcome,
        { potId, interventionId },
        body,
        { ...body, potId, interventionId, outcomeId, ...valued },
        envelope,
      );
    },

    changeSignInMapping(
      body: ChangeSignInMapping,
      envelope: CommandEnvelope,
    ): Promise<CommandOutcome> {
      return run(d.changeSignInMapping, {}, body, body, envelope);
    },

    async addUnitCost(body: AddUnitCost, envelope: CommandEnvelope): Promise<CommandOutcome> {
      requireCoveredPriceYear(body.priceYear);
      return run(d.addUnitCost, {}, body, body, envelope);
    },

    async supersedeUnitCost(
      code: string,
      body: UnitCostFigures,
      envelope: CommandEnvelope,
    ): Promise<CommandOutcome> {
      requireCoveredPriceYear(body.priceYear);
      return run(d.supersedeUnitCost, { code }, body, { ...body, code }, envelope);
    },

    reverseEntry(potId: string, body: Body<ReverseEntry, 'potId'>, envelope: CommandEnvelope) {
      return run(d.reverseEntry, { potId }, body, { ...body, potId }, envelope);
    },

    changeApprovalThreshold(
      potId: string,
      body: Body<ChangeApprovalThreshold, 'potId'>,
      envelope: CommandEnvelope,
    ) {
      return run(d.changeApprovalThreshold, { potId }, body, { ...body, potId }, envelope);
    },

    async approveAllocation(
      potId: string,
      allocationId: string,
      body: Body<ApproveAllocation, 'potId' | 'allocationId'>,
      envelope: CommandEnvelope,
    ): Promise<CommandOutcome> {
      const outcome = await run(
        d.approveAllocation,
        { potId, allocationId },
        body,
        { ...body, potId, allocationId },
        envelope,
      );
      return refuseSelfApproval(outcome);
    },

    rejectAllocation(
      potId: string,
      allocationId: string,
      body: Body<RejectAllocation, 'potId' | 'allocationId'>,
      envelope: CommandEnvelope,
    ) {
      return run(
        d.rejectAllocation,
        { potId, allocationId },
        body,
        { ...body, potId, allocationId },
        envelope,
      );
    },

    closeFinancialYear(
      potId: string,
      financialYear: string,
      body: Body<CloseFinancialYear, 'potId' | 'financialYear'>,
      envelope: CommandEnvelope,
    ) {
      return run(
        d.closeFinancialYear,
        { potId, financialYear },
        body,
        { ...body, potId, financialYear },
        envelope,
      );
    },

    closePot(potId: string, body: Body<ClosePot, 'potId'>, envelope: CommandEnvelope) {
      return run(d.closePot, { potId }, body, { ...body, potId }, envelope);
    },

    agreeContribution(
      potId: string,
      body: Body<AgreeContribution, 'potId'>,
      envelope: CommandEnvelope,
    ) {
      return run(d.agreeContribution, { potId }, body, { ...body, potId }, envelope);
    },

    setInterventionAssumptions(
      potId: string,
      interventionId: string,
      body: Body<SetInterventionAssumptions, 'potId' | 'interventionId'>,
      envelope: CommandEnvelope,
    ) {
      return run(
        d.setInterventionAssumptions,
        { potId, interventionId },
        body,
        { ...body, potId, interventionId },
        envelope,
      );
    },

    recordAgreement(
      potId: string,
      body: Body<RecordAgreement, 'potId'>,
      envelope: CommandEnvelope,
    ) {
      return run(d.recordAgreement, { potId }, body, { ...body, potId }, envelope);
    },

    recordBcfMinimums(
      potId: string,
      body: Body<RecordBcfMinimums, 'potId'>,
      envelope: CommandEnvelope,
    ) {
      return run(d.recordBcfMinimums, { potId }, body, { ...body, potId }, envelope);
    },

    recordSchemeDetails(
      potId: string,
      interventionId: string,
      body: Body<RecordSchemeDetails, 'potId' | 'interventionId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId };
      return run(d.recordSchemeDetails, params, body, { ...body, ...params }, envelope);
    },

    recordJournalMapping(
      potId: string,
      agencyId: string,
      body: Body<RecordJournalMapping, 'potId' | 'agencyId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, agencyId };
      return run(d.recordJournalMapping, params, body, { ...body, ...params }, envelope);
    },

    recordSpend(
      potId: string,
      interventionId: string,
      body: Body<RecordSpend, 'potId' | 'interventionId' | 'spendId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId };
      const command = { ...body, ...params, spendId: newId() };
      return run(d.recordSpend, params, body, command, envelope);
    },

    raiseCommitment(
      potId: string,
      interventionId: string,
      body: Body<RaiseCommitment, 'potId' | 'interventionId' | 'commitmentId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId };
      const command = { ...body, ...params, commitmentId: newId() };
      return run(d.raiseCommitment, params, body, command, envelope);
    },

    releaseCommitment(
      potId: string,
      interventionId: string,
      commitmentId: string,
      body: Body<ReleaseCommitment, 'potId' | 'interventionId' | 'commitmentId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId, commitmentId };
      return run(d.releaseCommitment, params, body, { ...body, ...params }, envelope);
    },

    recordForecast(
      potId: string,
      interventionId: string,
      body: Body<RecordForecast, 'potId' | 'interventionId' | 'forecastId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId };
      const command = { ...body, ...params, forecastId: newId() };
      return run(d.recordForecast, params, body, command, envelope);
    },

    settleFinancialYear(
      potId: string,
      financialYear: string,
      body: Record<string, never>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, financialYear };
      return run(d.settleFinancialYear, params, body, params, envelope);
    },

    recordRateCard(
      potId: string,
      interventionId: string,
      body: Body<RecordRateCard, 'potId' | 'interventionId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId };
      return run(d.recordRateCard, params, body, { ...body, ...params }, envelope);
    },

    claimOutcome(
      potId: string,
      interventionId: string,
      body: Body<ClaimOutcome, 'potId' | 'interventionId' | 'claimId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, interventionId };
      const command = { ...body, ...params, claimId: newId() };
      return run(d.claimOutcome, params, body, command, envelope);
    },

    validateClaim(
      potId: string,
      claimId: string,
      body: Record<string, never>,
      envelope: CommandEnvelope,
    ) {
      const params: ValidateClaim = { potId, claimId };
      return run(d.validateClaim, params, body, params, envelope);
    },

    rejectClaim(
      potId: string,
      claimId: string,
      body: Body<RejectClaim, 'potId' | 'claimId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, claimId };
      return run(d.rejectClaim, params, body, { ...body, ...params }, envelope);
    },

    payClaim(
      potId: string,
      claimId: string,
      body: Body<PayClaim, 'potId' | 'claimId' | 'spendId'>,
      envelope: CommandEnvelope,
    ) {
      const params = { potId, claimId };
      const command = { ...body, ...params, spendId: newId() };
      return run(d.payClaim, params, body, command, envelope);
    },

    /** The pot's outcome claims as the next command would be decided on; writes nothing. */
    async listClaims(potId: string, actor: Actor): Promise<PotState['outcomePayments'] | null> {
      return handler.inspect(
        { streamId: potStreamId(potId), aggregate: potAggregate, agencyIds: [], actor },
        (state) => (state.opened ? state.outcomePayments : null),
      );
    },

    /** What settling the year would record now, deciding on the same state; writes nothing. */
    async previewSettlement(
      potId: string,
      financialYear: string,
      actor: Actor,
    ): Promise<FinancialYearSettled> {
      const preview = await handler.inspect(
        { streamId: potStreamId(potId), aggregate: potAggregate, agencyIds: [], actor },
        (state, context) => previewSettlement(state, financialYear, context),
      );
      if (preview instanceof DomainError) throw preview;
      return preview;
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
  throw new DomainError(
    'SEGREGATION_OF_DUTIES',
    `you requested allocation ${allocationId}, so you may not approve it: another finance officer or an admin must`,
    {
      allocationId,
      eventId: attempt.eventId,
      position: attempt.position.toString(),
    },
  );
}

function envelopeFields(envelope: CommandEnvelope) {
  return {
    commandId: envelope.commandId,
    actor: envelope.actor,
    correlationId: envelope.correlationId,
    ...(envelope.causationId === undefined ? {} : { causationId: envelope.causationId }),
  };
}
