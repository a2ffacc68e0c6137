/** What every page is given: the signed-in session, where to draw, and agency names. */
import type { AgreedContributionView } from '../../projections/agreedContributions.ts';
import type { Session } from './session.ts';

export interface PageContext {
  readonly session: Session;
  readonly main: HTMLElement;
  /** Agency id → name, from GET /v1/agencies; falls back to the id. */
  readonly nameOf: (agencyId: string) => string;
  readonly agencies: readonly AgencyView[];
  /** Query parameters of the page's hash route (#/audit?potId=…). */
  readonly params: URLSearchParams;
}

export interface AgencyView {
  readonly agencyId: string;
  readonly name: string;
  readonly kind: string;
}

export interface PotView {
  readonly potId: string;
  readonly name: string;
  readonly area: string;
  readonly hostAgencyId: string;
  readonly status: string;
  readonly contributed: string;
  readonly allocated: string;
  readonly available: string;
  readonly partners: readonly {
    agencyId: string;
    contributed: string;
    drawn: string;
    stake: string;
  }[];
  readonly interventions: readonly {
    interventionId: string;
    name: string;
    leadAgencyId: string;
    funded: string;
    benefits: string;
  }[];
  readonly position: string;
  /** Allocations of this amount or more wait for a second person (four-eyes); null: none. */
  readonly approvalThreshold?: string | null;
  /** Added by the approvals work; shown when the server sends it. */
  readonly pendingApprovals?: readonly Record<string, unknown>[];
  /** Each partner's agreed contribution for a year against what it paid in. */
  readonly agreedContributions?: readonly AgreedContributionView[];
  /** Fields the API withheld from this role (figures only), e.g. "pendingApprovals[].requestedBy". */
  readonly redacted?: readonly string[];
}
