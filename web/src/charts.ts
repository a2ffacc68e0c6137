/**
 * ECharts, with only the parts the dashboard uses (tree-shaken). Charts draw on canvas; each
 * chart's container carries a text description (role="img") and has a table beside it with
 * the same figures.
 */
import { BarChart, SankeyChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { revealHiddenCharacters } from '../../events/hiddenCharacters.ts';
import { formatGbp } from './money.ts';
import type { SankeyModel, SankeyNodeKind } from './sankeyModel.ts';

echarts.use([BarChart, SankeyChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** Colours with at least 4.5:1 contrast on white, told apart by words as well. */
export const COLOURS = {
  investor: '#1d4f91',
  intervention: '#5a5a5a',
  cashable: '#0b6e4f',
  nonCashable: '#7a2e8e',
  investment: '#8aa4c8',
};

const NODE_COLOUR: Record<SankeyNodeKind, string> = {
  investor: COLOURS.investor,
  intervention: COLOURS.intervention,
  cashable: COLOURS.cashable,
  'non-cashable': COLOURS.nonCashable,
};

const live = new Set<echarts.ECharts>();
/** Charts of the page being left are disposed, so their canvases and listeners go with it. */
export function disposeCharts(): void {
  for (const chart of live) chart.dispose();
  live.clear();
}
window.addEventListener('resize', () => live.forEach((chart) => chart.resize()));

function chartIn(container: HTMLElement): echarts.ECharts {
  const chart = echarts.init(container, undefined, { renderer: 'canvas' });
  live.add(chart);
  return chart;
}

export function stakeBarChart(
  container: HTMLElement,
  partners: readonly { label: string; stake: string }[],
): void {
  chartIn(container).setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: {
      type: 'value',
      axisLabel: {
        formatter: (v: number) => formatGbp(String(v)).replace(/\.00$/, ''),
        color: '#333',
      },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: partners.map((p) => revealHiddenCharacters(p.label)),
      axisLabel: { color: '#222' },
    },
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      valueFormatter: (v: unknown) => formatGbp(Number(v).toFixed(2)),
    },
    series: [
      {
        type: 'bar',
        name: 'Unallocated stake',
        data: partners.map((p) => Number(p.stake)),
        itemStyle: { color: COLOURS.investor },
      },
    ],
  });
}

export function benefitSankey(container: HTMLElement, model: SankeyModel): void {
  const labelOf = new Map(model.nodes.map((n) => [n.id, revealHiddenCharacters(n.label)]));
  const amountOf = new Map(model.links.map((l) => [`${l.source}>${l.target}`, l.amount]));
  chartIn(container).setOption({
    animation: false,
    tooltip: {
      trigger: 'item',
      renderMode: 'richText',
      formatter: (p: {
        dataType: string;
        name: string;
        data: { source?: string; target?: string };
      }) =>
        p.dataType === 'edge'
          ? `${labelOf.get(p.data.source ?? '')} → ${labelOf.get(p.data.target ?? '')}: ${formatGbp(amountOf.get(`${p.data.source}>${p.data.target}`) ?? '0')}`
          : (labelOf.get(p.name) ?? p.name),
    },
    series: [
      {
        type: 'sankey',
        left: 8,
        right: 290,
        top: 12,
        bottom: 12,
        nodeGap: 14,
        draggable: false,
        emphasis: { focus: 'adjacency' },
        label: {
          color: '#111',
          fontSize: 13,
          formatter: (p: { name: string }) => labelOf.get(p.name) ?? p.name,
        },
        data: model.nodes.map((n) => ({
          name: n.id,
          itemStyle: { color: NODE_COLOUR[n.kind], borderColor: NODE_COLOUR[n.kind] },
        })),
        links: model.links.map((l) => ({
          source: l.source,
          target: l.target,
          value: Number(l.amount),
          lineStyle: {
            color:
              l.kind === 'cashable'
                ? COLOURS.cashable
                : l.kind === 'non-cashable'
                  ? COLOURS.nonCashable
                  : COLOURS.investment,
            opacity: 0.45,
          },
        })),
      },
    ],
  });
}
