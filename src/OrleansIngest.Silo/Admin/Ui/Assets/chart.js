// Charts drawn as SVG from data: a throughput line over time, and horizontal bars for shares.
import { h, format } from './dom.js';

const Width = 1120;
const Height = 240;
const Margin = { top: 12, right: 16, bottom: 28, left: 56 };

/** The smallest "nice" number (1, 2, 2.5, 5 × 10ⁿ) at or above the value, so the axis reads in round steps. */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

/**
 * A line chart of values over time. `points` are { at: ISO time, value: number }, oldest first; `window` (ms) fixes
 * the time axis so that an idle cluster still shows the whole window.
 */
export function lineChart(points, { label, unit, windowMs }) {
  const now = Date.now();
  const start = now - windowMs;
  const values = points.map((point) => point.value);
  const max = niceCeiling(Math.max(0, ...values));
  const plotWidth = Width - Margin.left - Margin.right;
  const plotHeight = Height - Margin.top - Margin.bottom;
  const x = (time) => Margin.left + Math.max(0, Math.min(1, (time - start) / windowMs)) * plotWidth;
  const y = (value) => Margin.top + plotHeight - (value / max) * plotHeight;
  const latest = values.length > 0 ? values[values.length - 1] : 0;
  const peak = values.length > 0 ? Math.max(...values) : 0;

  const svg = h('svg:svg', {
    viewBox: `0 0 ${Width} ${Height}`,
    class: 'chart',
    role: 'img',
    'aria-label': `${label}: latest ${format.number(latest)} ${unit}, peak ${format.number(peak)} ${unit} over the last ${Math.round(windowMs / 60000)} minutes`,
    'data-testid': 'throughput-chart',
    'data-points': points.length,
    'data-peak': peak,
  });

  for (let step = 0; step <= 4; step++) {
    const value = (max * step) / 4;
    svg.append(
      h('svg:line', { class: 'grid', x1: Margin.left, x2: Width - Margin.right, y1: y(value), y2: y(value) }),
      h('svg:text', { class: 'axis', x: Margin.left - 8, y: y(value) + 4, 'text-anchor': 'end' }, format.number(value)),
    );
  }

  for (const fraction of [0, 0.5, 1]) {
    const time = start + fraction * windowMs;
    const anchor = fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle';
    svg.append(h('svg:text', { class: 'axis', x: x(time), y: Height - 8, 'text-anchor': anchor }, fraction === 1 ? 'now' : format.time(new Date(time).toISOString())));
  }

  if (points.length > 0) {
    const coordinates = points.map((point) => `${x(Date.parse(point.at)).toFixed(1)},${y(point.value).toFixed(1)}`);
    const baseline = y(0).toFixed(1);
    const first = x(Date.parse(points[0].at)).toFixed(1);
    const last = x(Date.parse(points[points.length - 1].at)).toFixed(1);
    svg.append(
      h('svg:polygon', { class: 'area', points: `${first},${baseline} ${coordinates.join(' ')} ${last},${baseline}` }),
      h('svg:polyline', { class: 'line', points: coordinates.join(' ') }),
    );
  } else {
    svg.append(h('svg:text', { class: 'axis', x: Width / 2, y: Height / 2, 'text-anchor': 'middle' }, 'No throughput reported yet'));
  }

  svg.append(h('svg:text', { class: 'axis unit', x: Margin.left, y: Margin.top - 2 }, unit));
  return svg;
}

/** Horizontal bars, one per item ({ label, value, text }), scaled to the largest; a list, so screen readers read it. */
export function barChart(items, { label, testId }) {
  const max = Math.max(1, ...items.map((item) => item.value));
  return h('ul', { class: 'bars', 'aria-label': label, 'data-testid': testId },
    items.map((item) => {
      const fill = h('span', { class: 'bar-fill' });
      fill.style.width = `${(item.value / max) * 100}%`;
      return h('li', null,
        h('span', { class: 'bar-label' }, item.label),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'bar-value' }, item.text));
    }));
}
