import { describe, expect, it } from 'vitest';
import { escapeXml, formatTick, heatMap, histogramPlot, linePlot, logTicks, niceTicks } from '../../src/lab/svg-plot.js';

/** A light well-formedness check: one root, every opened element closed, no raw '<' or '&' in text. */
function expectWellFormed(svg: string) {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[3]) stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
  for (const t of svg.matchAll(/>([^<]*)</g)) expect(t[1]).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
  expect(svg).not.toMatch(/NaN|Infinity/);
}

describe('the SVG plotter', () => {
  it('chooses round ticks covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const t = niceTicks(-3.7, 12.2);
    expect(t[0]!).toBeGreaterThanOrEqual(-3.7);
    expect(t[t.length - 1]!).toBeLessThanOrEqual(12.2);
    const steps = t.slice(1).map((v, i) => v - t[i]!);
    for (const s of steps) expect(s).toBeCloseTo(steps[0]!, 12);
    expect([1, 2, 5, 10]).toContain(Math.round(steps[0]! / 10 ** Math.floor(Math.log10(steps[0]!))));
    expect(logTicks(0.005, 1)).toEqual([0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(formatTick(0.30000000000000004)).toBe('0.3');
  });

  it('draws a line plot with log axes, reference lines and an escaped legend', () => {
    const svg = linePlot({
      title: 'E <σ> & more',
      xLabel: 'σ',
      yLabel: 'y',
      xLog: true,
      series: [
        { name: 'a & b', x: [0.01, 0.1, 1], y: [1, -2, NaN] },
        { name: 'hidden', x: [0.01, 1], y: [0, 0], hideInLegend: true },
      ],
      vLines: [{ value: 0.29, label: 'σ*' }],
      hLines: [{ value: 0 }],
      legend: 'bottom-left',
    });
    expectWellFormed(svg);
    expect(svg).toContain('E &lt;σ&gt; &amp; more');
    expect(svg).toContain('a &amp; b');
    expect(svg).not.toContain('>hidden<');
    expect(escapeXml('"<&>"')).toBe('&quot;&lt;&amp;&gt;&quot;');
  });

  it('draws histograms with overlaid curves, and heat maps with annotations', () => {
    expectWellFormed(
      histogramPlot({
        title: 'h',
        xLabel: 'x',
        yLabel: 'density',
        series: [{ name: 'data', edges: [0, 1, 2], heights: [0.2, 0.3], filled: true }],
        curves: [{ name: 'p', x: [0, 2], y: [0.1, 0.4], dash: true }],
      }),
    );
    const svg = heatMap({ title: 'rates', xLabel: 'T', yLabel: 'σ₀', columns: ['1', '10'], rows: ['0.1', '1'], values: [[0.2, 0.5], [0.9, 1]], min: 0, max: 1, annotate: (v) => `${v * 100}` });
    expectWellFormed(svg);
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(svg).toContain('>100<');
  });
});
