// A bar chart in SVG, log-scaled, with whiskers and target lines: written by the bench from
// its own numbers (docs/benchmarks.svg).

export interface Bar {
  label: string;
  value: number;
  low?: number;
  high?: number;
  highlight?: boolean;
}

export interface TargetLine {
  value: number;
  label: string;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  targets: TargetLine[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function panelSvg(p: Panel, x0: number, width: number, height: number): string {
  const top = 46;
  const bottom = height - 92;
  const left = x0 + 56;
  // Room on the right for the target labels, which may lie close together.
  const right = x0 + width - (p.targets.length ? 150 : 12);
  const values = [
    ...p.bars.flatMap((b) => [b.value, b.low ?? b.value, b.high ?? b.value]),
    ...p.targets.map((t) => t.value),
  ].filter((v) => v > 0 && Number.isFinite(v));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const y = (v: number): number =>
    bottom - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (bottom - top);
  const out: string[] = [];
  out.push(
    `<text x="${x0 + width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  );
  out.push(
    `<text x="${x0 + width / 2}" y="36" text-anchor="middle" font-size="11" fill="#555">${esc(p.unit)}, log scale</text>`,
  );
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > hi * 1.0001) break;
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${left}" x2="${right}" y1="${yy}" y2="${yy}" stroke="${m === 1 ? '#ccc' : '#eee'}" />`);
      if (m === 1 || (Math.log10(hi / lo) <= 3 && m !== 1))
        out.push(
          `<text x="${left - 6}" y="${yy}" dy="4" text-anchor="end" font-size="10" fill="#555">${num(v)}</text>`,
        );
    }
  }
  const slot = (right - left) / p.bars.length;
  p.bars.forEach((b, i) => {
    const cx = Math.round((left + slot * (i + 0.5)) * 10) / 10;
    const w = Math.min(40, slot * 0.6);
    const yv = y(b.value);
    out.push(
      `<rect x="${(cx - w / 2).toFixed(1)}" y="${yv.toFixed(1)}" width="${w.toFixed(1)}" height="${(bottom - yv).toFixed(1)}" fill="${b.highlight ? '#2a7ab0' : '#9bb8cc'}" />`,
    );
    if (b.low !== undefined && b.high !== undefined) {
      const [yl, yh] = [y(b.low), y(b.high)];
      out.push(`<line x1="${cx}" x2="${cx}" y1="${yl.toFixed(1)}" y2="${yh.toFixed(1)}" stroke="#333" />`);
      for (const yy of [yl, yh])
        out.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#333" />`);
    }
    // Above the whisker, where there is one.
    const labelY = Math.min(yv, b.high !== undefined ? y(b.high) : yv) - 4;
    out.push(`<text x="${cx}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10">${num(b.value)}</text>`);
    out.push(
      `<text transform="translate(${cx + 4},${bottom + 10}) rotate(-35)" text-anchor="end" font-size="11">${esc(b.label)}</text>`,
    );
  });
  // Labels in the right margin, top to bottom, at least 12 px apart, each joined to its line.
  let lastLabelY = -Infinity;
  [...p.targets]
    .sort((a, b) => b.value - a.value)
    .forEach((t) => {
      const yy = y(t.value);
      const ly = Math.max(yy + 3, lastLabelY + 12);
      lastLabelY = ly;
      out.push(
        `<line x1="${left}" x2="${right}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#c0392b" stroke-dasharray="5,3" />`,
      );
      out.push(
        `<line x1="${right}" x2="${right + 6}" y1="${yy.toFixed(1)}" y2="${(ly - 3).toFixed(1)}" stroke="#c0392b" />`,
      );
      out.push(
        `<text x="${right + 8}" y="${ly.toFixed(1)}" font-size="10" fill="#c0392b">${esc(t.label)} (${num(t.value)})</text>`,
      );
    });
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333" />`);
  out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#333" />`);
  return out.join('\n');
}

export function barChartSvg(panels: Panel[], note: string): string {
  const width = 500;
  const height = 420;
  const total = width * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${height + 20}" viewBox="0 0 ${total} ${height + 20}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white" />`,
    ...panels.map((p, i) => panelSvg(p, i * width, width, height)),
    `<text x="8" y="${height + 12}" font-size="10" fill="#555">${esc(note)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
