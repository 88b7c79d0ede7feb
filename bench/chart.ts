/**
 * A grouped bar chart (SVG) of median ms per batch, per path and event kind, on a log scale: the
 * paths span four decades (a few ms for ours on JSON, seconds for Powertools on Avro).
 */

interface Row {
  kind: string;
  oursWhole: { median: number };
  oursWholeToBe: { median: number };
  straightWhole: { median: number };
  oursTransform: { median: number };
  straightTransform: { median: number };
  powertools: { median: number };
  floor: { median: number };
}

const SERIES: [keyof Row, string, string][] = [
  ['oursWhole', 'ours, whole invocation (via the FE)', '#1f77b4'],
  ['oursWholeToBe', 'ours, whole invocation (to the BE)', '#17becf'],
  ['straightWhole', 'straightforward sink, whole', '#ff7f0e'],
  ['oursTransform', 'ours, transform stages', '#2ca02c'],
  ['straightTransform', 'straightforward, parse + stringify', '#d62728'],
  ['powertools', 'Powertools kafkaConsumer + stringify', '#9467bd'],
  ['floor', 'base64 floor', '#7f7f7f'],
];

export function renderChart(rows: Row[], machine: string): string {
  const width = 1100;
  const height = 450;
  const left = 60;
  // Room above the plot for the labels of the tallest bars (written upwards).
  const top = 70;
  const plotH = 280;
  const groupW = (width - left - 20) / rows.length;
  const barW = (groupW - 30) / SERIES.length;
  const medians = rows.flatMap((r) => SERIES.map(([k]) => (r[k] as { median: number }).median));
  // Whole decades from below the smallest median to above the largest.
  const lowDecade = Math.floor(Math.log10(Math.max(Math.min(...medians), 0.1)));
  const highDecade = Math.ceil(Math.log10(Math.max(...medians)));
  const heightOf = (ms: number) =>
    (plotH * (Math.log10(Math.max(ms, 10 ** lowDecade)) - lowDecade)) / (highDecade - lowDecade);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<title>Time per 6 MB batch, median ms per path and event kind</title>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15">Time per 6 MB batch (median ms, log scale, lower is better)</text>`,
  ];
  for (let decade = lowDecade; decade <= highDecade; decade++) {
    const y = top + plotH - heightOf(10 ** decade);
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end">${(10 ** decade).toLocaleString('en-US')}</text>`,
    );
  }
  rows.forEach((row, g) => {
    const x0 = left + g * groupW + 15;
    SERIES.forEach(([key, , color], i) => {
      const v = (row[key] as { median: number }).median;
      const h = heightOf(v);
      const x = x0 + i * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 3).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`,
      );
      // Upwards, so the labels of neighbouring bars do not overlap.
      const labelX = (x + barW / 2 + 2).toFixed(1);
      const labelY = (top + plotH - h - 3).toFixed(1);
      parts.push(
        `<text transform="translate(${labelX} ${labelY}) rotate(-90)" font-size="10">${v.toFixed(v < 10 ? 1 : 0)}</text>`,
      );
    });
    parts.push(
      `<text x="${(x0 + (groupW - 30) / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${row.kind}</text>`,
    );
  });
  SERIES.forEach(([, label, color], i) => {
    const x = left + (i % 3) * 280;
    const y = top + plotH + 40 + Math.floor(i / 3) * 18;
    parts.push(
      `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${color}"/><text x="${x + 18}" y="${y}">${label}</text>`,
    );
  });
  parts.push(`<text x="${left}" y="${height - 8}" font-size="10" fill="#555">${machine}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
