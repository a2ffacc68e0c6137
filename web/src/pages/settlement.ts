/**
 * Year-end settlement (#/pots/<id>/settlement?financialYear=): the preview of what settling
 * would record, step by step per scheme (budget, spent, under/overspend, released, covered,
 * shared, fell to host), the returns and what each partner owes; for an admin, "Settle the
 * year" behind a warning and a confirmation, posted once with an Idempotency-Key.
 */
import { ApiError, getJson, postJson } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate, settlementYear } from '../dates.ts';
import { h, table } from '../dom.ts';
import { todayIso } from '../forms.ts';
import { details, summaryList, tag, warningText } from '../govuk.ts';
import { idempotencyKeys } from '../idempotency.ts';
import { formatGbp } from '../money.ts';
import {
  SHARE_RULE_LABELS,
  UNDERSPEND_RULE_LABELS,
  formatSigned,
  isZeroAmount,
  overspendRuleText,
  owedSentences,
  partnerSettlementLines,
  poolPaths,
  settlementSteps,
  settlementTotals,
  sumAmounts,
  type AgencyAmount,
  type Settlement,
} from '../poolYear.ts';
import { plainWords } from '../problems.ts';
import { financialYearField, poolAnswer, poolHeader } from './poolFund.ts';

export async function settlementPage(ctx: PageContext, potId: string): Promise<void> {
  const today = todayIso();
  const financialYear = settlementYear(today, ctx.params.get('financialYear'));
  const pot = await getJson<PotView>(`/v1/pots/${encodeURIComponent(potId)}`, ctx.session.token);
  const header = [
    ...poolHeader(pot, `${pot.name}: year-end settlement`, 'settlement'),
    yearForm(potId, 'settlement', today, financialYear),
  ];
  const preview = await poolAnswer<Settlement>(
    ctx,
    poolPaths.settlementPreview(potId, financialYear),
    header,
  );
  if (preview === null) return;
  const schemeName = (id: string) =>
    pot.interventions.find((i) => i.interventionId === id)?.name ?? id;
  const outcome = h('div', { 'data-testid': 'settle-outcome' });

  ctx.main.replaceChildren(
    ...header,
    h(
      'h2',
      {},
      `Preview: settling ${preview.financialYear}`,
      tag('Preview: nothing recorded yet', 'grey'),
    ),
    h(
      'p',
      {},
      `What settling ${preview.financialYear} would record, dated ${formatLongDate(preview.effectiveDate)}, under agreement version ${preview.agreement.version}.`,
    ),
    settlementView(ctx, preview, schemeName),
    ctx.session.claims.role === 'admin' ? settleBox(ctx, pot, preview, outcome) : '',
    outcome,
  );
}

/** The figures of a settlement (preview or recorded): rules, each scheme's steps, partners. */
export function settlementView(
  ctx: PageContext,
  s: Settlement,
  schemeName: (id: string) => string,
): HTMLElement {
  const totals = settlementTotals(s);
  const partnerLines = partnerSettlementLines(s);
  const amounts = (lines: readonly AgencyAmount[]) =>
    lines.length === 0
      ? ''
      : h(
          'ul',
          {},
          ...lines.map((l) => h('li', {}, `${ctx.nameOf(l.agencyId)}: ${formatGbp(l.amount)}`)),
        );
  return h(
    'div',
    {},
    h('h3', {}, 'The agreement’s rules applied'),
    summaryList([
      ['Host partner', ctx.nameOf(s.hostAgencyId)],
      [
        'Overspends',
        h('ul', {}, ...overspendRuleText(s.overspend, ctx.nameOf).map((t) => h('li', {}, t))),
      ],
      ['Share rule', SHARE_RULE_LABELS[s.overspend.share] ?? s.overspend.share],
      ['Underspends', UNDERSPEND_RULE_LABELS[s.underspend] ?? s.underspend],
    ]),
    h('h3', {}, 'Scheme by scheme'),
    s.schemes.length === 0
      ? h('p', {}, `No scheme has allocations or spend dated in ${s.financialYear}.`)
      : '',
    ...s.schemes.map((scheme) =>
      h(
        'section',
        {
          class: 'scheme-settlement',
          'aria-label': schemeName(scheme.interventionId),
          'data-scheme': scheme.interventionId,
        },
        h(
          'h4',
          {},
          schemeName(scheme.interventionId),
          isZeroAmount(scheme.overspend) ? '' : tag('Overspent', 'red'),
        ),
        h(
          'ol',
          { class: 'steps' },
          ...settlementSteps(scheme, s.financialYear, s.overspend).map((step) =>
            h('li', {}, h('strong', {}, `${step.title}: `), step.text, amounts(step.lines)),
          ),
        ),
      ),
    ),
    table(
      `Schemes in ${s.financialYear}: budget, spent and how each under- or overspend is settled`,
      [
        'Scheme',
        'Budget',
        'Spent',
        'Underspend',
        'Overspend',
        'Covered from pot',
        'Shared',
        'Fell to host',
      ],
      s.schemes.map((scheme) => [
        schemeName(scheme.interventionId),
        formatSigned(scheme.budget),
        formatSigned(scheme.spent),
        formatGbp(scheme.underspend),
        formatGbp(scheme.overspend),
        formatGbp(sumAmounts(scheme.covered)),
        formatGbp(sumAmounts(scheme.shared)),
        formatGbp(scheme.fellToHost),
      ]),
      {
        numeric: [1, 2, 3, 4, 5, 6, 7],
        footer: [
          'Total',
          '',
          '',
          formatGbp(totals.underspend),
          formatGbp(totals.overspend),
          formatGbp(totals.covered),
          formatGbp(totals.shared),
          formatGbp(totals.fellToHost),
        ],
      },
    ),
    h('h3', {}, 'Each partner'),
    table(
      `Each partner in the settlement of ${s.financialYear}: stake before, underspend released, overspend covered from its stake, overspend shared, returned, owed, stake after`,
      [
        'Partner',
        'Stake before',
        'Released',
        'Covered',
        'Shared',
        'Returned',
        'Owes the pot',
        'Stake after',
      ],
      partnerLines.map((p) => [
        ctx.nameOf(p.agencyId),
        formatGbp(p.stakeBefore),
        formatGbp(p.released),
        formatGbp(p.covered),
        formatGbp(p.shared),
        formatGbp(p.returned),
        formatGbp(p.owed),
        formatGbp(p.stakeAfter),
      ]),
      { numeric: [1, 2, 3, 4, 5, 6, 7] },
    ),
    h('h3', {}, 'What each partner owes'),
    owedSentences(s, ctx.nameOf).length === 0
      ? h('p', { 'data-testid': 'owed' }, 'No partner owes the pot anything for this year.')
      : h(
          'ul',
          { 'data-testid': 'owed' },
          ...owedSentences(s, ctx.nameOf).map((t) => h('li', {}, t)),
        ),
    s.returns.length === 0
      ? ''
      : h(
          'p',
          {},
          `Returned to the partners under the underspend rule: ${s.returns.map((r) => `${ctx.nameOf(r.agencyId)} ${formatGbp(r.amount)}`).join(', ')}.`,
        ),
  );
}

function settleBox(
  ctx: PageContext,
  pot: PotView,
  preview: Settlement,
  outcome: HTMLElement,
): HTMLElement {
  const fy = preview.financialYear;
  const confirm = h('input', { type: 'checkbox', name: 'confirm', id: 'settle-confirm' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const technical = h('div');
  const status = h('p', { role: 'status', 'aria-live': 'polite' });
  const button = h(
    'button',
    { type: 'submit', class: 'govuk-button govuk-button--warning warning' },
    'Settle the year',
  );
  const keyFor = idempotencyKeys();
  let inFlight = false;
  const form = h(
    'form',
    { class: 'settle-box', 'aria-label': `Settle ${fy}`, novalidate: true },
    h('h2', {}, `Settle ${fy}`),
    warningText(
      `Settling ${fy} records these figures for good. The year is then locked: no contribution, allocation, spend, commitment or forecast dated in it can be recorded or reversed.`,
    ),
    h(
      'label',
      { class: 'check', for: 'settle-confirm' },
      confirm,
      ` I have checked the figures above and the board has agreed them; settle ${fy}`,
    ),
    error,
    technical,
    button,
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (inFlight) return;
    error.hidden = true;
    technical.replaceChildren();
    if (!confirm.checked) {
      error.textContent = `Confirm that the figures are checked before settling ${fy}.`;
      error.hidden = false;
      confirm.setAttribute('aria-invalid', 'true');
      confirm.focus();
      return;
    }
    confirm.removeAttribute('aria-invalid');
    const { key, done } = keyFor(JSON.stringify({ potId: pot.potId, fy }));
    inFlight = true;
    button.disabled = true;
    status.textContent = 'Settling…';
    postJson(poolPaths.settle(pot.potId, fy), ctx.session.token, {}, key)
      .then((written) => {
        done();
        status.textContent = '';
        const settled = written as unknown as Settlement;
        const name = (id: string) =>
          pot.interventions.find((i) => i.interventionId === id)?.name ?? id;
        form.replaceWith(h('div', {}));
        outcome.replaceChildren(
          // A GOV.UK confirmation panel: the one thing done, and its reference.
          h(
            'div',
            { class: 'govuk-panel govuk-panel--confirmation' },
            h('h2', { tabindex: '-1', class: 'govuk-panel__title' }, `${fy} is settled`),
            h(
              'div',
              { class: 'govuk-panel__body', role: 'status' },
              `Recorded as event ${written.eventId}, dated ${formatLongDate(settled.effectiveDate ?? '')}.`,
            ),
          ),
          h('h3', {}, 'What each partner owes'),
          owedSentences(settled, ctx.nameOf).length === 0
            ? h('p', {}, 'No partner owes the pot anything for this year.')
            : h('ul', {}, ...owedSentences(settled, ctx.nameOf).map((t) => h('li', {}, t))),
          h(
            'p',
            {},
            'Each partner settles its debt with a contribution marked as the risk share for this year.',
          ),
          h(
            'details',
            {},
            h('summary', {}, 'The settlement as recorded'),
            settlementView(ctx, settled, name),
          ),
        );
        outcome.querySelector<HTMLElement>('h2')?.focus();
      })
      .catch((e: unknown) => {
        status.textContent = '';
        error.textContent =
          e instanceof ApiError
            ? plainWords(e.problem)
            : `The dashboard could not send this: ${(e as Error).message}`;
        error.hidden = false;
        // The server's own words only on request (GOV.UK details).
        if (e instanceof ApiError && e.problem.detail !== undefined)
          technical.replaceChildren(
            details('Technical detail', h('code', {}, `${e.problem.code}: ${e.problem.detail}`)),
          );
      })
      .finally(() => {
        inFlight = false;
        button.disabled = false;
      });
  });
  return form;
}

/** The financial-year picker of the settlement and memorandum pages. */
export function yearForm(
  potId: string,
  page: 'settlement' | 'memorandum',
  today: string,
  financialYear: string,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Choose the financial year' },
    financialYearField(today, financialYear, 6),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const fy = (form.elements.namedItem('financialYear') as HTMLSelectElement).value;
    window.location.hash = `#/pots/${encodeURIComponent(potId)}/${page}?financialYear=${fy}`;
  });
  return form;
}
