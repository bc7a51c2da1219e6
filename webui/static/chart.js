// A tiny live line chart in inline SVG: the last `capacity` samples of a few
// series, newest on the right, the y axis scaled to a round maximum. A null
// sample leaves a gap. Also a sparkline for table cells.

const kSvgNs = 'http://www.w3.org/2000/svg';
const kDefaultWidth = 320;
const kHeight = 110;
const kLeft = 34;   // room for the y labels
const kBottom = 6;
const kTop = 8;

function svg(tag, attrs, text) {
  const el = document.createElementNS(kSvgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// 1, 2, 5, 10, 20, 50… at or above `v`.
function roundUp(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function shortNumber(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(1)}`;
}

// The runs of non-null values: [[index, value], …] each.
function runs(values) {
  const out = [];
  let run = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) out.push(run);
      run = [];
    } else {
      run.push([i, v]);
    }
  });
  if (run.length) out.push(run);
  return out;
}

// A 100×22 sparkline of `values` (the last `capacity`), for a table cell.
export function sparkline(values, capacity = 60, color = '#1f6feb') {
  const w = 100;
  const hgt = 22;
  const max = roundUp(Math.max(0, ...values));
  const el = svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'spark', width: w, height: hgt });
  const n = values.length;
  const points = values.map((v, i) => `${(w - (n - 1 - i) * (w / (capacity - 1))).toFixed(1)},${(hgt - 1 - (v / max) * (hgt - 2)).toFixed(1)}`);
  el.append(svg('line', { x1: 0, x2: w, y1: hgt - 0.5, y2: hgt - 0.5, class: 'grid' }));
  if (n > 1) el.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.4 }));
  return el;
}

export class LineChart {
  // series: [{label, color}]; unit follows the legend's numbers ("/s", " ms").
  constructor(series, { capacity = 60, unit = '/s' } = {}) {
    this.series = series.map((s) => ({ ...s, values: [] }));
    this.capacity = capacity;
    this.unit = unit;
    this.width = kDefaultWidth;
    this.el = svg('svg', { viewBox: `0 0 ${this.width} ${kHeight}`, class: 'chart', role: 'img' });
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
  }

  // One new sample per series, in the order given to the constructor.
  push(...samples) {
    this.series.forEach((s, i) => {
      s.values.push(samples[i]);
      if (s.values.length > this.capacity) s.values.shift();
    });
    this.draw();
  }

  draw() {
    // Draw in the element's own pixels so that text is not stretched.
    if (this.el.clientWidth > 0 && this.el.clientWidth !== this.width) {
      this.width = this.el.clientWidth;
      this.el.setAttribute('viewBox', `0 0 ${this.width} ${kHeight}`);
    }
    const width = this.width;
    const max = roundUp(Math.max(0, ...this.series.flatMap((s) => s.values.filter((v) => v !== null))));
    const plotW = width - kLeft - 2;
    const plotH = kHeight - kTop - kBottom;
    const x = (i, n) => kLeft + plotW - (n - 1 - i) * (plotW / (this.capacity - 1));
    const y = (v) => kTop + plotH - (v / max) * plotH;
    const children = [];
    for (const f of [0, 0.5, 1]) {
      const gy = y(max * f);
      children.push(svg('line', { x1: kLeft, x2: width - 2, y1: gy, y2: gy, class: 'grid' }));
      children.push(svg('text', { x: kLeft - 4, y: gy + 3, class: 'axis' }, shortNumber(max * f)));
    }
    for (const s of this.series) {
      const n = s.values.length;
      for (const run of runs(s.values)) {
        const points = run.map(([i, v]) => `${x(i, n).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
        const attrs = { points, fill: 'none', stroke: s.color, 'stroke-width': 1.8 };
        children.push(run.length > 1 ? svg('polyline', attrs) : svg('circle', { cx: x(run[0][0], n), cy: y(run[0][1]), r: 1.5, fill: s.color }));
      }
    }
    this.el.replaceChildren(...children);
    this.legend.replaceChildren(...this.series.map((s) => {
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = s.color;
      const last = s.values.length ? s.values[s.values.length - 1] : null;
      item.append(swatch, `${s.label} ${last === null ? '–' : shortNumber(last) + this.unit}`);
      return item;
    }));
  }
}
