/** Agencies, and one agency's balances per pot and in total with its net fiscal position. */
import { getJson, getJsonAsAt, query } from '../api.ts';
import { asAtPanel, tableDownloads } from '../books.ts';
import { todayIso } from '../forms.ts';
import type { PageContext, PotView } from '../context.ts';
import { h, link, table } from '../dom.ts';
import { formatGbp } from '../money.ts';

interface Balances {
  readonly contributed: string;
  readonly drawn: string;
  readonly stake: string;
  readonly benefitsReceived: string;
  readonly benefitsReceivedCashable: string;
  readonly benefitsReceivedNonCashable: string;
  readonly benefitsProducedForOthers: string;
  readonly netFiscalPosition: string;
  readonly netFiscalPositionOnMoneySpent: string;
}

export async function agenciesPage(ctx: PageContext): Promise<void> {
  ctx.main.replaceChildren(
    h('h1', {}, 'Agencies'),
    table(
      'Registered agencies',
      ['Agency', 'Kind', 'Id'],
      ctx.agencies.map((a) => [link(`#/agencies/${a.agencyId}`, a.name), a.kind, a.agencyId]),
    ),
  );
}

export async function agencyPage(ctx: PageContext, agencyId: string): Promise<void> {
  const token = ctx.session.token;
  const asAt = ctx.params.get('asAt') ?? undefined;
  const path = `/v1/agencies/${encodeURIComponent(agencyId)}/balances${query({ asAt })}`;
  const [{ body: balances, reading }, { pots }] = await Promise.all([
    getJsonAsAt<{ agencyId: string; total: Balances; pots: (Balances & { potId: string })[] }>(
      path,
      token,
    ),
    getJson<{ pots: PotView[] }>('/v1/pots', token),
  ]);
  const potName = (potId: string) => pots.find((p) => p.potId === potId)?.name ?? potId;
  const row = (label: Node | string, b: Balances) => [
    label,
    formatGbp(b.contributed),
    formatGbp(b.drawn),
    formatGbp(b.stake),
    formatGbp(b.benefitsReceivedCashable),
    formatGbp(b.benefitsReceivedNonCashable),
    formatGbp(b.benefitsProducedForOthers),
    formatGbp(b.netFiscalPosition),
  ];
  ctx.main.replaceChildren(
    h('h1', {}, ctx.nameOf(agencyId)),
    asAtPanel(reading, todayIso(), { chooseDate: true, params: ctx.params }),
    h(
      'p',
      { class: 'headline' },
      'Net fiscal position: ',
      h('strong', { 'data-figure': 'net' }, formatGbp(balances.total.netFiscalPosition)),
      ', with ',
      h('strong', { 'data-figure': 'unspent' }, formatGbp(balances.total.stake)),
      ' still unspent in the pot.',
    ),
    h(
      'p',
      {},
      'The net fiscal position is benefits received less all the money contributed, spent or not. ' +
        'Money still unspent in the pot is not a loss: it is this agency’s stake, still to be spent on outcomes or given back. ' +
        'Counting only the money spent so far, the position is ',
      h(
        'strong',
        { 'data-figure': 'net-on-spent' },
        formatGbp(balances.total.netFiscalPositionOnMoneySpent),
      ),
      '.',
    ),
    tableDownloads(path, `balances-${agencyId}`, token, 'the balances'),
    table(
      'Balances per pot and in total',
      [
        'Pot',
        'Contributed',
        'Drawn',
        'Stake',
        'Cashable benefits received',
        'Non-cashable benefits received',
        'Benefits produced for others',
        'Net fiscal position',
      ],
      [
        ...balances.pots.map((b) => row(link(`#/pots/${b.potId}`, potName(b.potId)), b)),
        row('Total', balances.total),
      ],
      { numeric: [1, 2, 3, 4, 5, 6, 7] },
    ),
  );
}
