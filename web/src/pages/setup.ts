/**
 * The admin's set-up (#/setup): register agencies, open a pot with its host and partners, add a
 * partner, set or remove a pot's approval threshold, close a financial year, close a pot. Each
 * is a write form (forms.ts: error summary, receipt, refusals in words). A fresh server, with
 * no pot yet, shows the first admin the steps in order, and tells anyone else whom to ask.
 */
import { getJson, query, type Written } from '../api.ts';
import type { AgencyView, PageContext, PotView } from '../context.ts';
import { financialYearChoices, formatLongDate } from '../dates.ts';
import { field, h, link, options, table } from '../dom.ts';
import { todayIso, writeForm } from '../forms.ts';
import { tag, warningText } from '../govuk.ts';
import { formatGbp } from '../money.ts';
import { can } from '../token.ts';
import { AGENCY_KINDS, AgencyId } from '../../../events/primitives.ts';

const input = (name: string, attrs: Record<string, string> = {}) =>
  h('input', { name, type: 'text', autocomplete: 'off', ...attrs });

/** The three first steps on a fresh server, each done or not, with where to do it. */
export function setupSteps(
  agencies: readonly unknown[],
  pots: readonly Pick<PotView, 'partners'>[],
): { text: string; href: string; done: boolean }[] {
  return [
    {
      text: 'Register the partner agencies (the council, the police, the NHS body, …)',
      href: '#/setup?step=agency',
      done: agencies.length > 0,
    },
    { text: 'Open a pot, naming its host', href: '#/setup?step=pot', done: pots.length > 0 },
    {
      text: 'Add the partners who pay into it',
      href: '#/setup?step=partner',
      done: pots.some((p) => p.partners.length > 1),
    },
  ];
}

/** Shown instead of an empty pots table: what to do first, or whom to ask. */
export function firstRunPage(ctx: PageContext, pots: readonly PotView[]): void {
  if (!can.setUp(ctx.session.claims)) {
    ctx.main.replaceChildren(
      h('h1', {}, 'Pots'),
      h('p', { 'data-testid': 'no-pots' }, 'No pot has been set up on this ledger yet.'),
      h(
        'p',
        {},
        'An admin sets the ledger up: registers the partner agencies and opens a pot. Ask the ledger’s admin in your partnership (whoever gave you access) to do that; the pot will then appear here.',
      ),
    );
    return;
  }
  const steps = setupSteps(ctx.agencies, pots);
  ctx.main.replaceChildren(
    h('h1', {}, 'Pots'),
    h('p', { class: 'govuk-body-l' }, 'No pot has been set up yet. Set the ledger up in 3 steps.'),
    h(
      'ol',
      { class: 'govuk-list govuk-list--number', 'data-testid': 'setup-steps' },
      ...steps.map((s) =>
        h(
          'li',
          {},
          link(s.href, s.text),
          ' ',
          s.done ? tag('Done', 'green') : tag('To do', 'grey'),
        ),
      ),
    ),
    h(
      'p',
      {},
      'Then finance officers of the partners contribute, define interventions and allocate; an admin can set an approval threshold at any time.',
    ),
  );
}

export async function setupPage(shared: PageContext, minPosition?: string): Promise<void> {
  if (!can.setUp(shared.session.claims)) {
    shared.main.replaceChildren(
      h('h1', {}, 'Set up'),
      h(
        'p',
        {},
        'Only an admin registers agencies, opens and closes pots, adds partners and sets approval thresholds. Ask the ledger’s admin in your partnership.',
      ),
    );
    return;
  }
  // Read afresh, after the write just made (minPosition): the agencies and pots change here.
  const after = query({ minPosition });
  const [{ agencies }, { pots }] = await Promise.all([
    getJson<{ agencies: AgencyView[] }>(`/v1/agencies${after}`, shared.session.token),
    getJson<{ pots: PotView[] }>(`/v1/pots${after}`, shared.session.token),
  ]);
  const ctx: PageContext = {
    ...shared,
    agencies,
    nameOf: (id) => agencies.find((a) => a.agencyId === id)?.name ?? id,
  };
  const reload = (written: Written) => void setupPage(shared, written.position);
  const openPots = pots.filter((p) => p.status !== 'closed');
  const section = (id: string, title: string, ...content: (Node | string)[]) =>
    h(
      'section',
      { 'aria-labelledby': `setup-${id}`, 'data-step': id },
      h('h2', { id: `setup-${id}` }, title),
      ...content,
    );
  const noPot = () => h('p', {}, 'Open a pot first.');
  ctx.main.replaceChildren(
    h('h1', {}, 'Set up'),
    h(
      'p',
      {},
      'Register the partner agencies, open a pot with its host and partners, then add partners, set the approval threshold, and close years and pots as the partnership decides.',
    ),
    h(
      'nav',
      { 'aria-label': 'On this page', class: 'govuk-!-margin-bottom-6' },
      h(
        'ul',
        { class: 'govuk-list' },
        ...SECTIONS.map(([id, title]) => h('li', {}, link(`#/setup?step=${id}`, title))),
      ),
    ),
    section(
      'agency',
      'Register an agency',
      ctx.agencies.length === 0
        ? h(
            'p',
            { 'data-testid': 'no-agencies' },
            'No agency is registered yet. Register the first partner below: the one that will host the pot is a good start.',
          )
        : table(
            'Registered agencies',
            ['Agency', 'Id', 'Kind'],
            ctx.agencies.map((a) => [a.name, a.agencyId, a.kind]),
          ),
      registerAgencyForm(ctx, reload),
    ),
    section(
      'pot',
      'Open a pot',
      ctx.agencies.length === 0
        ? h('p', {}, 'Register an agency first.')
        : openPotForm(ctx, reload),
    ),
    section(
      'partner',
      'Add a partner to a pot',
      openPots.length === 0 ? noPot() : addPartnerForm(ctx, openPots, reload),
    ),
    section(
      'threshold',
      'Set an approval threshold',
      openPots.length === 0 ? noPot() : thresholdForm(ctx, openPots, reload),
    ),
    section(
      'year',
      'Close a financial year',
      openPots.length === 0 ? noPot() : closeYearForm(ctx, openPots, reload),
    ),
    section(
      'close',
      'Close a pot',
      openPots.length === 0 ? noPot() : closePotForm(ctx, openPots, reload),
    ),
  );
  // The step asked for in the route, on arrival only: a redraw after a write keeps the place.
  const step = ctx.params.get('step');
  if (step !== null && minPosition === undefined)
    ctx.main.querySelector(`[data-step="${CSS.escape(step)}"]`)?.scrollIntoView({ block: 'start' });
}

/** The page's sections, in order: their step names (#/setup?step=…) and headings. */
const SECTIONS = [
  ['agency', 'Register an agency'],
  ['pot', 'Open a pot'],
  ['partner', 'Add a partner to a pot'],
  ['threshold', 'Set an approval threshold'],
  ['year', 'Close a financial year'],
  ['close', 'Close a pot'],
] as const;

const potOptions = (pots: readonly PotView[]) =>
  options(pots.map((p) => ({ value: p.potId, label: `${p.name} (${p.area})` })));

function registerAgencyForm(ctx: PageContext, reload: (written: Written) => void): HTMLFormElement {
  return writeForm({
    title: 'Register an agency',
    hideTitle: true,
    submitLabel: 'Register agency',
    token: ctx.session.token,
    controls: [
      field('Name', input('name'), 'As it should appear on every page, e.g. Essex Police'),
      field(
        'Agency id',
        input('agencyId', { spellcheck: 'false' }),
        'A short id, never changed: lower-case letters, digits and hyphens, e.g. essex-police',
      ),
      field(
        'Kind',
        h(
          'select',
          { name: 'kind' },
          ...options(AGENCY_KINDS.map((k) => ({ value: k, label: k }))),
        ),
        'Unit costs credit each part of a saving to the partner of that kind',
      ),
    ],
    amountFields: [],
    path: () => '/v1/agencies',
    body: (v) => ({ agencyId: v('agencyId'), name: v('name'), kind: v('kind') }),
    check: (v) =>
      AgencyId.safeParse(v('agencyId')).success
        ? null
        : {
            field: 'agencyId',
            message:
              'Enter an id of lower-case letters, digits and hyphens, starting and ending with a letter or digit, like essex-police',
          },
    refusals: {
      ALREADY_EXISTS: 'An agency with that id is already registered. Choose another id.',
    },
    receipt: (written, v) => ({
      heading: `Agency “${v('name')}” registered`,
      rows: [
        ['Agency id', v('agencyId')],
        ['Kind', v('kind')],
        ['Event id', written.eventId],
      ],
    }),
    onWritten: reload,
  });
}

/** GOV.UK checkboxes, one per agency, each its own field name so the form reads it. */
function partnerCheckboxes(ctx: PageContext): HTMLElement {
  const hintId = 'partners-hint';
  return h(
    'div',
    { class: 'govuk-form-group field', 'data-field': 'partnerAgencyIds' },
    h(
      'fieldset',
      { class: 'govuk-fieldset', 'aria-describedby': `${hintId} partners-error` },
      h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, 'Partners'),
      h(
        'div',
        { class: 'govuk-hint', id: hintId },
        'Select all that pay into the pot. The host is always a partner.',
      ),
      h('p', { class: 'govuk-error-message field-error', id: 'partners-error', hidden: true }),
      h(
        'div',
        { class: 'govuk-checkboxes govuk-checkboxes--small', 'data-module': 'govuk-checkboxes' },
        ...ctx.agencies.map((a) =>
          h(
            'div',
            { class: 'govuk-checkboxes__item' },
            h('input', {
              class: 'govuk-checkboxes__input',
              type: 'checkbox',
              id: `partner-${a.agencyId}`,
              name: `partner-${a.agencyId}`,
            }),
            h(
              'label',
              { class: 'govuk-label govuk-checkboxes__label', for: `partner-${a.agencyId}` },
              a.name,
            ),
          ),
        ),
      ),
    ),
  );
}

function openPotForm(ctx: PageContext, reload: (written: Written) => void): HTMLFormElement {
  const agencyOptions = ctx.agencies.map((a) => ({ value: a.agencyId, label: a.name }));
  return writeForm({
    title: 'Open a pot',
    hideTitle: true,
    submitLabel: 'Open pot',
    token: ctx.session.token,
    controls: [
      field('Name', input('name'), 'e.g. Essex Violence Reduction Pot'),
      field('Area', input('area'), 'The place it serves, e.g. Essex'),
      field(
        'Host',
        h('select', { name: 'hostAgencyId' }, ...options(agencyOptions)),
        'The partner that keeps the pool’s accounts',
      ),
      partnerCheckboxes(ctx),
      field(
        'Approval threshold (£, optional)',
        input('amountThreshold', { inputmode: 'decimal' }),
        'Allocations of this amount or more wait for a second person’s approval. Leave empty for none.',
      ),
    ],
    amountFields: [],
    amountRules: { amountThreshold: { optional: true } },
    path: () => '/v1/pots',
    body: (v) => ({
      name: v('name'),
      area: v('area'),
      hostAgencyId: v('hostAgencyId'),
      partnerAgencyIds: ctx.agencies
        .map((a) => a.agencyId)
        .filter((id) => id !== v('hostAgencyId') && v(`partner-${id}`) === 'true'),
      ...(v('amountThreshold') === '' ? {} : { approvalThreshold: v('amountThreshold') }),
    }),
    receipt: (written, v) => ({
      heading: `Pot “${v('name')}” opened`,
      rows: [
        ['Area', v('area')],
        ['Host', ctx.nameOf(v('hostAgencyId'))],
        [
          'Partners',
          h(
            'ul',
            { class: 'govuk-list' },
            ...ctx.agencies
              .filter(
                (a) => a.agencyId === v('hostAgencyId') || v(`partner-${a.agencyId}`) === 'true',
              )
              .map((a) => h('li', {}, a.name)),
          ),
        ],
        [
          'Approval threshold',
          v('amountThreshold') === '' ? 'None' : formatGbp(v('amountThreshold')),
        ],
        ['Pot', link(`#/pots/${String(written.potId)}`, `Go to ${v('name')}`)],
        ['Pot id', String(written.potId)],
        ['Event id', written.eventId],
      ],
    }),
    onWritten: reload,
  });
}

function addPartnerForm(
  ctx: PageContext,
  pots: readonly PotView[],
  reload: (written: Written) => void,
): HTMLFormElement {
  const potSelect = h('select', { name: 'potId' }, ...potOptions(pots));
  const agencySelect = h('select', { name: 'agencyId' });
  // Only agencies not yet partners of the chosen pot are offered.
  const refill = () => {
    const pot = pots.find((p) => p.potId === potSelect.value);
    const partners = new Set(pot?.partners.map((p) => p.agencyId) ?? []);
    agencySelect.replaceChildren(
      ...options(
        ctx.agencies
          .filter((a) => !partners.has(a.agencyId))
          .map((a) => ({ value: a.agencyId, label: a.name })),
      ),
    );
  };
  potSelect.addEventListener('change', refill);
  refill();
  return writeForm({
    title: 'Add a partner to a pot',
    hideTitle: true,
    submitLabel: 'Add partner',
    token: ctx.session.token,
    controls: [
      field('Pot', potSelect),
      field(
        'Agency',
        agencySelect,
        'Agencies already partners of the pot are not listed. Register a new agency above.',
      ),
    ],
    amountFields: [],
    path: () => `/v1/pots/${encodeURIComponent(potSelect.value)}/partners`,
    body: (v) => ({ agencyId: v('agencyId') }),
    check: (v) =>
      v('agencyId') === ''
        ? { field: 'agencyId', message: 'Every registered agency is already a partner of this pot' }
        : null,
    refusals: { ALREADY_EXISTS: 'That agency is already a partner of this pot.' },
    receipt: (written, v) => ({
      heading: `${ctx.nameOf(v('agencyId'))} joined ${potName(pots, v('potId'))}`,
      rows: [
        ['Pot', potName(pots, v('potId'))],
        ['Partner', ctx.nameOf(v('agencyId'))],
        ['Event id', written.eventId],
      ],
    }),
    onWritten: reload,
  });
}

const potName = (pots: readonly PotView[], potId: string) =>
  pots.find((p) => p.potId === potId)?.name ?? potId;

function thresholdForm(
  ctx: PageContext,
  pots: readonly PotView[],
  reload: (written: Written) => void,
): HTMLElement {
  const potSelect = h('select', { name: 'potId' }, ...potOptions(pots));
  const current = h('p', { class: 'govuk-inset-text', 'data-testid': 'current-threshold' });
  const describe = () => {
    const threshold = pots.find((p) => p.potId === potSelect.value)?.approvalThreshold ?? null;
    current.textContent =
      threshold === null
        ? 'This pot has no approval threshold: every allocation is made at once.'
        : `Now: allocations of ${formatGbp(threshold)} or more need a second person’s approval.`;
  };
  potSelect.addEventListener('change', describe);
  describe();
  return h(
    'div',
    {},
    writeForm({
      title: 'Set an approval threshold',
      hideTitle: true,
      submitLabel: 'Set threshold',
      token: ctx.session.token,
      controls: [
        field('Pot', potSelect),
        current,
        field(
          'Approval threshold (£)',
          input('amountThreshold', { inputmode: 'decimal' }),
          'Allocations of this amount or more wait for a second person. Leave empty to remove the threshold.',
        ),
        field('Reason', input('reason'), 'e.g. the board decision that set it'),
      ],
      amountFields: [],
      amountRules: { amountThreshold: { optional: true } },
      path: () => `/v1/pots/${encodeURIComponent(potSelect.value)}/approval-threshold`,
      body: (v) => ({
        approvalThreshold: v('amountThreshold') === '' ? null : v('amountThreshold'),
        reason: v('reason'),
      }),
      receipt: (written, v) => ({
        heading:
          v('amountThreshold') === ''
            ? `Approval threshold removed from ${potName(pots, v('potId'))}`
            : `Approval threshold of ${formatGbp(v('amountThreshold'))} set on ${potName(pots, v('potId'))}`,
        rows: [
          ['Pot', potName(pots, v('potId'))],
          ['Threshold', v('amountThreshold') === '' ? 'None' : formatGbp(v('amountThreshold'))],
          ['Reason', v('reason')],
          ['Event id', written.eventId],
        ],
      }),
      onWritten: reload,
    }),
  );
}

function closeYearForm(
  ctx: PageContext,
  pots: readonly PotView[],
  reload: (written: Written) => void,
): HTMLFormElement {
  const years = financialYearChoices(todayIso(), 6).slice(1);
  const potSelect = h('select', { name: 'potId' }, ...potOptions(pots));
  const yearSelect = h(
    'select',
    { name: 'financialYear' },
    ...options(years.map((y) => ({ value: y, label: y }))),
  );
  return writeForm({
    title: 'Close a financial year',
    hideTitle: true,
    submitLabel: 'Close financial year',
    buttonClass: 'govuk-button--warning',
    token: ctx.session.token,
    controls: [
      warningText(
        'Closing a year locks it: nothing dated in it, or before it, can be recorded or reversed afterwards. Corrections are then dated in the open period.',
      ),
      field('Pot', potSelect),
      field('Financial year', yearSelect, 'Only a year that has ended can be closed'),
      field('Reason (optional)', input('reason')),
    ],
    amountFields: [],
    path: () =>
      `/v1/pots/${encodeURIComponent(potSelect.value)}/financial-years/${encodeURIComponent(yearSelect.value)}/close`,
    body: (v) => ({ ...(v('reason') === '' ? {} : { reason: v('reason') }) }),
    refusals: {
      PERIOD_CLOSED: 'That financial year is already closed for this pot.',
      YEAR_NOT_SETTLED:
        'This pot tracks spend, and the year is not settled yet. Settle it on the pot’s Year-end settlement page first.',
    },
    receipt: (written, v) => ({
      heading: `Financial year ${v('financialYear')} closed for ${potName(pots, v('potId'))}`,
      rows: [
        ['Pot', potName(pots, v('potId'))],
        ['Closed through', formatLongDate(String(written.closedThrough))],
        ['Event id', written.eventId],
      ],
    }),
    onWritten: reload,
  });
}

function closePotForm(
  ctx: PageContext,
  pots: readonly PotView[],
  reload: (written: Written) => void,
): HTMLFormElement {
  const potSelect = h('select', { name: 'potId' }, ...potOptions(pots));
  return writeForm({
    title: 'Close a pot',
    hideTitle: true,
    submitLabel: 'Close pot',
    buttonClass: 'govuk-button--warning',
    token: ctx.session.token,
    controls: [
      warningText(
        'Closing a pot returns each partner’s unallocated stake to it and ends the pot: nothing more can be contributed, allocated or recorded in it. This cannot be undone.',
      ),
      field('Pot', potSelect),
      field('Reason', input('reason'), 'e.g. the board decision to wind it up'),
      field(
        'Effective date',
        h('input', { name: 'effectiveDate', type: 'date', value: todayIso() }),
      ),
    ],
    amountFields: [],
    path: () => `/v1/pots/${encodeURIComponent(potSelect.value)}/close`,
    body: (v) => ({ reason: v('reason'), effectiveDate: v('effectiveDate') }),
    receipt: (written, v) => {
      const returns = (written.returns ?? []) as { agencyId: string; amount: string }[];
      return {
        heading: `${potName(pots, v('potId'))} closed`,
        rows: [
          ['Effective date', formatLongDate(String(written.effectiveDate))],
          [
            'Returned to partners',
            returns.length === 0
              ? 'Nothing: no partner had an unallocated stake'
              : h(
                  'ul',
                  { class: 'govuk-list' },
                  ...returns.map((r) =>
                    h('li', {}, `${ctx.nameOf(r.agencyId)}: ${formatGbp(r.amount)}`),
                  ),
                ),
          ],
          ['Reason', v('reason')],
          ['Event id', written.eventId],
        ],
      };
    },
    onWritten: reload,
  });
}
