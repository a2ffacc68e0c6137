/** The pots list, and one pot: figures, each partner's stake, interventions, and the write forms. */
import { getJsonAsAt, query } from '../api.ts';
import { asAtPanel, tableDownloads } from '../books.ts';
import { stakeBarChart } from '../charts.ts';
import type { PageContext, PotView } from '../context.ts';
import { h, link, table } from '../dom.ts';
import { formatGbp } from '../money.ts';
import { can } from '../token.ts';
import { poolNav } from './poolFund.ts';
import { entriesSection, pendingApprovals } from './potEntries.ts';
import { moneyForms } from './potForms.ts';
import { todayIso } from '../forms.ts';
import { agreedContributions, reportsNav } from './potReports.ts';
import { firstRunPage } from './setup.ts';

export async function potsPage(ctx: PageContext): Promise<void> {
  const asAt = ctx.params.get('asAt') ?? undefined;
  const { body, reading } = await getJsonAsAt<{ pots: PotView[] }>(
    `/v1/pots${query({ asAt })}`,
    ctx.session.token,
  );
  const { pots } = body;
  // A fresh server: the first admin is shown what to set up, anyone else whom to ask.
  if (pots.length === 0 && asAt === undefined) return firstRunPage(ctx, pots);
  ctx.main.replaceChildren(
    h('h1', {}, 'Pots'),
    asAtPanel(reading, todayIso(), { chooseDate: true, params: ctx.params }),
    table(
      'Pooled budgets: money paid in, committed to interventions, and still available',
      ['Pot', 'Area', 'Host', 'Contributed', 'Allocated', 'Available'],
      pots.map((p) => [
        link(`#/pots/${p.potId}`, p.name),
        p.area,
        ctx.nameOf(p.hostAgencyId),
        formatGbp(p.contributed),
        formatGbp(p.allocated),
        formatGbp(p.available),
      ]),
      { numeric: [3, 4, 5] },
    ),
  );
}

export async function potPage(
  ctx: PageContext,
  potId: string,
  minPosition?: string,
): Promise<void> {
  const asAt = ctx.params.get('asAt') ?? undefined;
  const path = `/v1/pots/${encodeURIComponent(potId)}${query({ asAt })}`;
  const { body: pot, reading } = await getJsonAsAt<PotView>(
    `/v1/pots/${encodeURIComponent(potId)}${query({ minPosition, asAt })}`,
    ctx.session.token,
  );
  const chart = h('div', {
    class: 'chart chart-bars',
    role: 'img',
    'aria-label': `Bar chart of each partner's unallocated stake in ${pot.name}; the partners table lists the same figures.`,
  });
  const claims = ctx.session.claims;
  const reload = (position: string) => void potPage(ctx, potId, position);
  const entries = can.manageMoney(claims) ? await entriesSection(ctx, pot, reload) : '';
  ctx.main.replaceChildren(
    h('h1', {}, pot.name),
    h('p', {}, `${pot.area} · hosted by ${ctx.nameOf(pot.hostAgencyId)} · ${pot.status}`),
    asAtPanel(reading, todayIso(), { chooseDate: true, params: ctx.params }),
    h(
      'dl',
      { class: 'figures' },
      h(
        'div',
        {},
        h('dt', {}, 'Contributed'),
        h('dd', { 'data-figure': 'contributed' }, formatGbp(pot.contributed)),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Allocated'),
        h('dd', { 'data-figure': 'allocated' }, formatGbp(pot.allocated)),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Available'),
        h('dd', { 'data-figure': 'available' }, formatGbp(pot.available)),
      ),
    ),
    h('h2', {}, "Partners' stakes"),
    tableDownloads(
      path,
      `pot-${pot.potId}`,
      ctx.session.token,
      "the pot's stakes and interventions",
    ),
    chart,
    table(
      'Each partner: paid in, drawn for interventions, and its unallocated stake',
      ['Partner', 'Contributed', 'Drawn', 'Stake'],
      pot.partners.map((p) => [
        link(`#/agencies/${p.agencyId}`, ctx.nameOf(p.agencyId)),
        formatGbp(p.contributed),
        formatGbp(p.drawn),
        formatGbp(p.stake),
      ]),
      { numeric: [1, 2, 3] },
    ),
    h('h2', {}, 'Interventions'),
    table(
      'Interventions: net funding and net benefits recorded',
      ['Intervention', 'Lead agency', 'Funded', 'Benefits'],
      pot.interventions.map((i) => [
        i.name,
        ctx.nameOf(i.leadAgencyId),
        formatGbp(i.funded),
        formatGbp(i.benefits),
      ]),
      { numeric: [2, 3] },
    ),
    agreedContributions(ctx, pot.agreedContributions),
    h(
      'section',
      { 'aria-labelledby': 'reports-heading' },
      h('h2', { id: 'reports-heading' }, 'Reports'),
      h(
        'p',
        {},
        'The statement for a financial year, the exceptions an auditor looks at first, and the cost-benefit report.',
      ),
      reportsNav(pot.potId),
    ),
    pot.pendingApprovals === undefined
      ? ''
      : pendingApprovals(ctx, pot, reload, can.manageMoney(claims)),
    h(
      'section',
      { 'aria-labelledby': 'pool-heading' },
      h('h2', { id: 'pool-heading' }, 'Pooled fund'),
      h(
        'p',
        {},
        'The agreement, scheme budgets and spend, the quarterly monitoring report, the year-end settlement and the memorandum account.',
      ),
      poolNav(pot.potId),
    ),
    h('p', {}, link(`#/flows?potId=${pot.potId}`, 'Who invests, who benefits in this pot →')),
    can.manageMoney(claims)
      ? h(
          'section',
          { 'aria-labelledby': 'forms-heading' },
          h('h2', { id: 'forms-heading' }, 'Record'),
          h('div', { class: 'forms' }, ...moneyForms(ctx, pot, reload)),
        )
      : '',
    entries,
  );
  stakeBarChart(
    chart,
    pot.partners.map((p) => ({ label: ctx.nameOf(p.agencyId), stake: p.stake })),
  );
}
