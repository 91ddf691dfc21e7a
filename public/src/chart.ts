// One graph drawn with D3: time on x in the browser's time zone, values on y with unit-aware
// ticks, a line per series with gaps left as gaps (and a dot for a lone point between gaps),
// brush to zoom in, double-click to zoom out, and a crosshair listing every series' value.
// Series marked drawAsInfinite (e.g. restarts) are vertical lines where their value is > 0.
import { isolatedPoints, legendSlice, markerTimes, seriesStats, stepOf, styleFor, swatchBackground, timeExtent, valuesAt, yExtent, type PlotSeries, type SeriesStyle } from './chartModel.js';
import { d3 } from './d3.js';
import { el, replace } from './dom.js';
import { formatTicks, formatValue, type Unit } from './format.js';
import { axisTimeLabel, formatDateTime } from './time.js';

export interface ChartInput {
  series: PlotSeries[];
  hidden: ReadonlySet<string>;
  /** The requested time range in epoch seconds; null → the data's own extent. */
  domain: [number, number] | null;
  unit: Unit;
}

export interface ChartEvents {
  onZoom(startSec: number, endSec: number): void;
  onZoomOut(): void;
}

const MARGIN = { top: 10, right: 14, bottom: 24, left: 62 };
let clipSeq = 0;

export class Chart {
  readonly element: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly tip: HTMLDivElement;
  private input: ChartInput | null = null;
  private drawnWidth = 0;
  /** True while the user drags a brush: a redraw then would drop the selection. */
  brushing = false;

  constructor(private readonly events: ChartEvents) {
    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg.setAttribute('class', 'chart-svg');
    this.svg.setAttribute('role', 'img');
    this.tip = el('div', { class: 'chart-tip', hidden: true, 'aria-hidden': 'true' });
    this.element = el('div', { class: 'chart' }, this.svg, this.tip);
    new ResizeObserver(() => {
      if (this.input && this.element.clientWidth !== this.drawnWidth) this.draw();
    }).observe(this.element);
  }

  /** Width in pixels the plot area will have (used as maxDataPoints). */
  plotWidth(): number {
    return Math.max(50, (this.element.clientWidth || 640) - MARGIN.left - MARGIN.right);
  }

  update(input: ChartInput): void {
    this.input = input;
    this.draw();
  }

  private draw(): void {
    const input = this.input;
    if (!input) return;
    const width = this.element.clientWidth || 640;
    this.drawnWidth = width;
    const height = width < 500 ? 190 : 250;
    const w = width - MARGIN.left - MARGIN.right;
    const h = height - MARGIN.top - MARGIN.bottom;
    const svg = d3.select(this.svg).attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
    svg.selectAll('*').remove();
    this.tip.hidden = true;

    const visible = input.series.map((s, i) => ({ s, i })).filter(({ s }) => !input.hidden.has(s.name));
    const now = Date.now() / 1000;
    const [t0, t1] = input.domain ?? timeExtent(input.series) ?? [now - 3600, now];
    const x = d3.scaleTime().domain([new Date(t0 * 1000), new Date(t1 * 1000)]).range([0, w]);
    const yTickCount = Math.max(2, Math.round(h / 45));
    const y = d3.scaleLinear().domain(yExtent(visible.map((v) => v.s)) ?? [0, 1]).nice(yTickCount).range([h, 0]);
    const g = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);

    const yTicks = y.ticks(yTickCount);
    const labels = formatTicks(yTicks, input.unit);
    g.append('g')
      .attr('class', 'axis y-axis')
      .call(d3.axisLeft(y).tickValues(yTicks).tickFormat((_, i) => labels[i] ?? '').tickSize(-w).tickPadding(6))
      .call((a) => a.select('.domain').remove());
    // d3's time scale ticks are in local time: the browser's time zone.
    const xAxis = d3.axisBottom<Date>(x).ticks(Math.max(2, Math.floor(w / 100))).tickFormat((d) => axisTimeLabel(d, t1 - t0)).tickSizeOuter(0);
    g.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${h})`).call(xAxis);

    const clipId = `chart-clip-${++clipSeq}`;
    svg.append('defs').append('clipPath').attr('id', clipId).append('rect').attr('width', w).attr('height', h);
    const plot = g.append('g').attr('clip-path', `url(#${clipId})`);
    const px = (t: number) => x(new Date(t * 1000));
    const line = d3
      .line<[number, number | null]>()
      .defined((d) => d[1] !== null)
      .x((d) => px(d[0]))
      .y((d) => y(d[1] as number));
    for (const { s, i } of visible) {
      const style = styleFor(i);
      if (s.marker) {
        // drawAsInfinite: a vertical line over the whole plot wherever the value is > 0.
        for (const t of markerTimes(s.points)) {
          plot.append('line').attr('class', 'series-marker').attr('data-series', s.name).attr('stroke', style.color).attr('x1', px(t)).attr('x2', px(t)).attr('y1', 0).attr('y2', h);
        }
        continue;
      }
      plot.append('path').attr('class', 'series-line').attr('data-series', s.name).attr('stroke', style.color).attr('stroke-dasharray', style.dash || null).attr('d', line(s.points) ?? '');
      for (const k of isolatedPoints(s.points)) {
        const [t, v] = s.points[k]!;
        plot.append('circle').attr('class', 'series-dot').attr('data-series', s.name).attr('fill', style.color).attr('r', 2.5).attr('cx', px(t)).attr('cy', y(v as number));
      }
    }
    const hasPoints = visible.some(({ s }) => s.points.some((p) => p[1] !== null));
    if (!hasPoints) {
      g.append('text').attr('class', 'no-data').attr('x', w / 2).attr('y', h / 2).attr('text-anchor', 'middle').text(input.series.length ? 'no data in this range' : 'no series');
    }
    this.svg.setAttribute('aria-label', `${visible.length} series from ${formatDateTime(t0)} to ${formatDateTime(t1)}`);

    const cross = g.append('line').attr('class', 'crosshair').attr('y1', 0).attr('y2', h).attr('visibility', 'hidden');
    const brush = d3
      .brushX()
      .extent([
        [0, 0],
        [w, h],
      ])
      .on('start', () => {
        this.brushing = true;
      })
      .on('end', (ev: d3.D3BrushEvent<unknown>) => {
        this.brushing = false;
        if (!ev.selection || !ev.sourceEvent) return;
        const [a, b] = ev.selection as [number, number];
        brushLayer.call(brush.move, null);
        if (b - a < 4) return; // a click, not a drag
        this.events.onZoom(x.invert(a).getTime() / 1000, x.invert(b).getTime() / 1000);
      });
    const brushLayer = g.append('g').attr('class', 'brush').call(brush);
    brushLayer.on('dblclick', (ev: MouseEvent) => {
      ev.preventDefault();
      this.events.onZoomOut();
    });
    const series = visible.map((v) => v.s);
    const styles = visible.map((v) => styleFor(v.i));
    const step = Math.max(...series.map((s) => stepOf(s.points)), 1);
    brushLayer
      .on('pointermove', (ev: PointerEvent) => {
        const [mx] = d3.pointer(ev, g.node());
        const at = x.invert(mx).getTime() / 1000;
        const hits = valuesAt(series, at, step);
        const first = hits.find((hit) => hit !== null);
        if (!first) {
          cross.attr('visibility', 'hidden');
          this.tip.hidden = true;
          return;
        }
        cross.attr('x1', px(first.time)).attr('x2', px(first.time)).attr('visibility', 'visible');
        this.showTip(first.time, hits, styles, input.unit, MARGIN.left + px(first.time), w);
      })
      .on('pointerleave', () => {
        cross.attr('visibility', 'hidden');
        this.tip.hidden = true;
      });
  }

  private showTip(time: number, hits: ReturnType<typeof valuesAt>, styles: SeriesStyle[], unit: Unit, left: number, w: number): void {
    const present = hits.flatMap((hit, i) => (hit === null ? [] : [{ hit, style: styles[i]! }]));
    // As many rows as the legend shows at first: a tooltip of 150 rows would cover the page.
    const { shown, more } = legendSlice(present.length, false);
    const rows = present
      .slice(0, shown)
      .map(({ hit, style }) => el('div', { class: 'tip-row' }, swatch(style), el('span', { class: 'tip-name' }, hit.name), el('span', { class: 'tip-value' }, formatValue(hit.value, unit))));
    replace(this.tip, el('div', { class: 'tip-time' }, formatDateTime(time)), ...rows, more ? el('div', { class: 'tip-more' }, `+${more} more`) : null);
    this.tip.hidden = false;
    const flip = left - MARGIN.left > w / 2;
    this.tip.style.left = flip ? '' : `${left + 12}px`;
    this.tip.style.right = flip ? `${this.element.clientWidth - left + 12}px` : '';
  }
}

/** A sample of a series' colour (and, past the tenth series, its dash pattern). */
export function swatch(style: SeriesStyle): HTMLElement {
  const s = el('span', { class: style.dash ? 'swatch dashed' : 'swatch', 'aria-hidden': 'true' });
  s.style.background = swatchBackground(style);
  return s;
}

/**
 * The legend: one toggle per series (Enter/Space or click hides it) with current, min, max, avg
 * (markers: their count), for the first `shown` series (the caller offers the rest).
 */
export function renderLegend(table: HTMLTableElement, series: PlotSeries[], hidden: ReadonlySet<string>, unit: Unit, onToggle: (name: string) => void, shown = series.length): void {
  const head = el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'series'), ...['current', 'min', 'max', 'avg'].map((h) => el('th', { scope: 'col', class: 'num' }, h))));
  const body = el('tbody');
  series.slice(0, shown).forEach((s, i) => {
    const on = !hidden.has(s.name);
    const toggle = el('button', { type: 'button', class: 'legend-toggle', 'aria-pressed': String(on), title: `${on ? 'hide' : 'show'} ${s.name}` }, swatch(styleFor(i)), el('span', { class: 'legend-name' }, s.name));
    toggle.addEventListener('click', () => onToggle(s.name));
    const st = seriesStats(s.points);
    // A marker series (drawAsInfinite) has no values to read, only the lines it draws.
    const lines = s.marker ? markerTimes(s.points).length : 0;
    const stats = s.marker ? [`${lines} ${lines === 1 ? 'line' : 'lines'}`, '', '', ''] : [st.current, st.min, st.max, st.avg].map((v) => formatValue(v, unit));
    body.append(el('tr', { class: `legend-row${on ? '' : ' off'}`, 'data-series': s.name }, el('td', {}, toggle), ...stats.map((v) => el('td', { class: 'num' }, v))));
  });
  replace(table, head, body);
}
