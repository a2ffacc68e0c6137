/**
 * Every command the ledger accepts, as the write path runs it: its name (its fingerprint is
 * taken under it), its request schema, and how a command becomes something to decide — the
 * stream it is decided on, that stream's aggregate, the agencies it names (whose registration
 * the handler looks up for the decider) and the pure decider itself.
 *
 * A command here is whole: the request body with the ids the server chose and whatever the
 * write path read for it (RecordOutcome's valuation inputs). Choosing ids, reading the store
 * and the clock stay in src/writePath (ledgerCommands.ts and the handler).
 */
import type { z } from 'zod';
import type { AgencyEvent } from '../events/agency.ts';
import type { PotEvent } from '../events/pot.ts';
import { agencyStreamId, potStreamId } from '../events/streams.ts';
import { unitCostStreamId, type UnitCostEvent } from '../events/unitCost.ts';
import {
  AddUnitCostBody,
  decideAddUnitCost,
  decideSupersedeUnitCost,
  SupersedeUnitCostBody,
  type AddUnitCost,
  type SupersedeUnitCost,
} from './addUnitCost.ts';
import {
  agencyAggregate,
  potAggregate,
  signInMappingAggregate,
  unitCostAggregate,
  type Aggregate,
} from './aggregates.ts';
import {
  ChangeSignInMappingBody,
  decideChangeSignInMapping,
  type ChangeSignInMapping,
  type SignInMappingState,
} from './changeSignInMapping.ts';
import type { SignInMappingEvent } from '../events/signInMapping.ts';
import { SIGN_IN_MAPPING_STREAM_ID } from '../events/streams.ts';
import { AgreeContributionBody, decideAgreeContribution } from './agreeContribution.ts';
import {
  AllocateToInterventionBody,
  decideAllocateToIntervention,
} from './allocateToIntervention.ts';
import {
  ChangeApprovalThresholdBody,
  decideChangeApprovalThreshold,
} from './changeApprovalThreshold.ts';
import { CloseFinancialYearBody, decideCloseFinancialYear } from './closeFinancialYear.ts';
import { ClosePotBody, decideClosePot } from './closePot.ts';
import type { CommandContext } from './context.ts';
import { ContributeToPotBody, decideContributeToPot } from './contributeToPot.ts';
import {
  ApproveAllocationBody,
  decideApproveAllocation,
  decideRejectAllocation,
  RejectAllocationBody,
} from './decideAllocationRequest.ts';
import type { Decision } from './decision.ts';
import { decideDefineIntervention, DefineInterventionBody } from './defineIntervention.ts';
import { decideJoinPot, JoinPotBody, type JoinPot } from './joinPot.ts';
import { decideOpenPot, OpenPotBody, type OpenPot } from './openPot.ts';
import type { PotState } from './potState.ts';
import {
  beneficiaryIdsOf,
  decideRecordOutcome,
  RecordOutcomeBody,
  type RecordOutcome,
} from './recordOutcome.ts';
import {
  decideRegisterAgency,
  RegisterAgencyBody,
  type AgencyState,
  type RegisterAgency,
} from './registerAgency.ts';
import { decideReverseEntry, ReverseEntryBody } from './reverseEntry.ts';
import {
  decideSetInterventionAssumptions,
  SetInterventionAssumptionsBody,
} from './setInterventionAssumptions.ts';
import type { UnitCostState } from './unitCostState.ts';
import { decideRecordAgreement, RecordAgreementBody } from './recordAgreement.ts';
import { decideRecordBcfMinimums, RecordBcfMinimumsBody } from './recordBcfMinimums.ts';
import { decideSettleFinancialYear, SettleFinancialYearBody } from './settleFinancialYear.ts';
import { decideRecordSchemeDetails, RecordSchemeDetailsBody } from './recordSchemeDetails.ts';
import { decideRecordJournalMapping, RecordJournalMappingBody } from './recordJournalMapping.ts';
import {
  decideRaiseCommitment,
  decideRecordForecast,
  decideRecordSpend,
  decideReleaseCommitment,
  RaiseCommitmentBody,
  RecordForecastBody,
  RecordSpendBody,
  ReleaseCommitmentBody,
} from './recordSpend.ts';
import {
  ClaimOutcomeBody,
  decideClaimOutcome,
  decidePayClaim,
  decideRecordRateCard,
  decideRejectClaim,
  decideValidateClaim,
  PayClaimBody,
  RecordRateCardBody,
  RejectClaimBody,
  ValidateClaimBody,
} from './outcomePayments.ts';

/** One command, ready for the handler: where it is decided, on what, and how. */
export interface DecisionRequest<S, E extends { type: string; data: unknown }> {
  readonly streamId: string;
  readonly aggregate: Aggregate<S, E>;
  /** Agencies the command names, whose registration the decider needs to know. */
  readonly agencyIds: readonly string[];
  decide(state: S, context: CommandContext): Decision<E>;
}

export interface LedgerDecider<C, S, E extends { type: string; data: unknown }> {
  /** The command's name: its fingerprint is taken under it, so it never changes. */
  readonly name: string;
  /** The request body's schema (the HTTP routes validate with the same one). */
  readonly schema: z.ZodType;
  assemble(command: C): DecisionRequest<S, E>;
}

/** A command on a pot's stream, decided with the pot's state and the command's context. */
function onPot<C extends { potId: string }>(
  name: string,
  schema: z.ZodType,
  decide: (state: PotState, command: C, context: CommandContext) => Decision<PotEvent>,
  agencyIdsOf: (command: C) => readonly string[] = () => [],
): LedgerDecider<C, PotState, PotEvent> {
  return {
    name,
    schema,
    assemble: (command) => ({
      streamId: potStreamId(command.potId),
      aggregate: potAggregate,
      agencyIds: agencyIdsOf(command),
      decide: (state, context) => decide(state, command, context),
    }),
  };
}

/** A command on a unit-cost code's stream, named by the code, so a retry reaches the same stream. */
function onUnitCost<C extends { code: string }>(
  name: string,
  schema: z.ZodType,
  decide: (state: UnitCostState, command: C) => Decision<UnitCostEvent>,
): LedgerDecider<C, UnitCostState, UnitCostEvent> {
  return {
    name,
    schema,
    assemble: (command) => ({
      streamId: unitCostStreamId(command.code),
      aggregate: unitCostAggregate,
      agencyIds: [],
      decide: (state) => decide(state, command),
    }),
  };
}

const registerAgency: LedgerDecider<RegisterAgency, AgencyState, AgencyEvent> = {
  name: 'RegisterAgency',
  schema: RegisterAgencyBody,
  // The agency's stream is named by the body, so a retry always reaches the same stream.
  assemble: (command) => ({
    streamId: agencyStreamId(command.agencyId),
    aggregate: agencyAggregate,
    agencyIds: [],
    decide: (state) => decideRegisterAgency(state, command),
  }),
};

/** The one sign-in mapping stream: every change is decided on its versions. */
const changeSignInMapping: LedgerDecider<
  ChangeSignInMapping,
  SignInMappingState,
  SignInMappingEvent
> = {
  name: 'ChangeSignInMapping',
  schema: ChangeSignInMappingBody,
  assemble: (command) => ({
    streamId: SIGN_IN_MAPPING_STREAM_ID,
    aggregate: signInMappingAggregate,
    agencyIds: [],
    decide: (state, context) => decideChangeSignInMapping(state, command, context),
  }),
};

export const ledgerDeciders = {
  registerAgency,
  changeSignInMapping,
  openPot: onPot('OpenPot', OpenPotBody, decideOpenPot, (command: OpenPot) => [
    command.hostAgencyId,
    ...command.partnerAgencyIds,
  ]),
  joinPot: onPot('JoinPot', JoinPotBody, decideJoinPot, (command: JoinPot) => [command.agencyId]),
  contributeToPot: onPot('ContributeToPot', ContributeToPotBody, decideContributeToPot),
  defineIntervention: onPot('DefineIntervention', DefineInterventionBody, decideDefineIntervention),
  allocateToIntervention: onPot(
    'AllocateToIntervention',
    AllocateToInterventionBody,
    decideAllocateToIntervention,
  ),
  recordOutcome: onPot(
    'RecordOutcome',
    RecordOutcomeBody,
    decideRecordOutcome,
    (command: RecordOutcome) => [
      ...(command.benefits ?? []).map((benefit) => benefit.agencyId),
      ...beneficiaryIdsOf(command),
    ],
  ),
  addUnitCost: onUnitCost<AddUnitCost>('AddUnitCost', AddUnitCostBody, decideAddUnitCost),
  supersedeUnitCost: onUnitCost<SupersedeUnitCost>(
    'SupersedeUnitCost',
    SupersedeUnitCostBody,
    decideSupersedeUnitCost,
  ),
  reverseEntry: onPot('ReverseEntry', ReverseEntryBody, decideReverseEntry),
  changeApprovalThreshold: onPot(
    'ChangeApprovalThreshold',
    ChangeApprovalThresholdBody,
    decideChangeApprovalThreshold,
  ),
  approveAllocation: onPot('ApproveAllocation', ApproveAllocationBody, decideApproveAllocation),
  rejectAllocation: onPot('RejectAllocation', RejectAllocationBody, decideRejectAllocation),
  closeFinancialYear: onPot('CloseFinancialYear', CloseFinancialYearBody, decideCloseFinancialYear),
  closePot: onPot('ClosePot', ClosePotBody, decideClosePot),
  agreeContribution: onPot('AgreeContribution', AgreeContributionBody, decideAgreeContribution),
  setInterventionAssumptions: onPot(
    'SetInterventionAssumptions',
    SetInterventionAssumptionsBody,
    decideSetInterventionAssumptions,
  ),
  recordAgreement: onPot('RecordAgreement', RecordAgreementBody, decideRecordAgreement),
  recordBcfMinimums: onPot('RecordBcfMinimums', RecordBcfMinimumsBody, decideRecordBcfMinimums),
  recordSchemeDetails: onPot(
    'RecordSchemeDetails',
    RecordSchemeDetailsBody,
    decideRecordSchemeDetails,
  ),
  recordJournalMapping: onPot(
    'RecordJournalMapping',
    RecordJournalMappingBody,
    decideRecordJournalMapping,
  ),
  recordSpend: onPot('RecordSpend', RecordSpendBody, decideRecordSpend),
  raiseCommitment: onPot('RaiseCommitment', RaiseCommitmentBody, decideRaiseCommitment),
  releaseCommitment: onPot('ReleaseCommitment', ReleaseCommitmentBody, decideReleaseCommitment),
  recordForecast: onPot('RecordForecast', RecordForecastBody, decideRecordForecast),
  settleFinancialYear: onPot(
    'SettleFinancialYear',
    SettleFinancialYearBody,
    decideSettleFinancialYear,
  ),
  recordRateCard: onPot('RecordRateCard', RecordRateCardBody, decideRecordRateCard),
  claimOutcome: onPot('ClaimOutcome', ClaimOutcomeBody, decideClaimOutcome),
  validateClaim: onPot('ValidateClaim', ValidateClaimBody, decideValidateClaim),
  rejectClaim: onPot('RejectClaim', RejectClaimBody, decideRejectClaim),
  payClaim: onPot('PayClaim', PayClaimBody, decidePayClaim),
} as const;
