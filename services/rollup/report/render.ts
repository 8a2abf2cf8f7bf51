import PDFDocument from 'pdfkit';
import { chartSvg, COLOURS, type Chart } from './charts.js';
import type { Report } from './model.js';
import { outline, type Block } from './outline.js';

export const FORMATS = ['json', 'csv', 'html', 'pdf'] as const;
export type ReportFormat = (typeof FORMATS)[number];
export const CONTENT_TYPES: Record<ReportFormat, string> = { json: 'application/json', csv: 'text/csv; charset=utf-8', html: 'text/html; charset=utf-8', pdf: 'application/pdf' };

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The daily series (RFC 4180): one row per SLO and day, attainment as a fraction with its counts; empty when nothing was valid. */
export function renderCsv(report: Report): string {
  const rows: (string | number | null)[][] = [['month', 'time_zone', 'date', 'slo', 'target', 'good', 'valid', 'attainment', 'state']];
  for (const slo of report.slos) for (const day of slo.daily) rows.push([report.header.month, report.header.timeZone, day.date, slo.name, slo.target, day.good, day.valid, day.attainment, day.state]);
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

function blockHtml(block: Block): string {
  switch (block.type) {
    case 'title':
      return `<h1>${escapeHtml(block.text)}</h1>`;
    case 'heading':
      return `<h2>${escapeHtml(block.text)}</h2>`;
    case 'paragraph':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'chart':
      return `<figure>${chartSvg(block.chart)}<figcaption>${escapeHtml(block.chart.title)}</figcaption></figure>`;
    case 'table': {
      const align = (i: number) => (block.align?.[i] === 'right' ? ' class="num"' : '');
      const head = block.head.some((h) => h !== '') ? `<thead><tr>${block.head.map((h, i) => `<th${align(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
      // In a box of its own that scrolls sideways: a table wider than a phone's screen does not widen the page.
      return `<div class="table"><table>${head}<tbody>${block.rows.map((row) => `<tr>${row.map((cell, i) => `<td${align(i)}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
    }
  }
}

const STYLE = `body{font-family:Helvetica,Arial,sans-serif;color:${COLOURS.ink};max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid ${COLOURS.grid}}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border-bottom:1px solid ${COLOURS.grid};padding:.25rem .5rem;text-align:left;vertical-align:top}
.table{overflow-x:auto}.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}figure{margin:1rem 0}figcaption{font-size:.85rem}svg{width:100%;max-width:48rem;height:auto}
@media print{body{margin:0}h2{break-after:avoid}figure,table{break-inside:avoid}}`;

/** One self-contained HTML file: inline style and inline SVG, no external asset. */
export function renderHtml(report: Report): string {
  const title = `SLA report ${report.header.month}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${outline(report).map(blockHtml).join('\n')}</body></html>\n`;
}

const MARGIN = 48;

/**
 * pdfkit's standard fonts cover WinAnsi only (no font to embed, nothing to fetch): the few characters of the
 * report outside it are written in ASCII.
 */
const WIN_ANSI_FALLBACKS: Record<string, string> = { '\u2212': '-', '\u2192': '->', '\u03b3': 'gamma', '\u2264': '<=', '\u2265': '>=' };

export function pdfText(text: string): string {
  return text.replace(/[\u2212\u2192\u03b3\u2264\u2265]/g, (c) => WIN_ANSI_FALLBACKS[c] as string);
}

function drawChart(doc: PDFKit.PDFDocument, chart: Chart, width: number): void {
  const scale = width / chart.width;
  const height = chart.height * scale;
  if (doc.y + height + 24 > doc.page.height - MARGIN) doc.addPage();
  const x0 = MARGIN;
  const y0 = doc.y;
  for (const s of chart.shapes) {
    if (s.type === 'rect') doc.rect(x0 + s.x * scale, y0 + s.y * scale, s.w * scale, s.h * scale).fill(s.fill);
    else if (s.type === 'line') {
      doc.save().moveTo(x0 + s.x1 * scale, y0 + s.y1 * scale).lineTo(x0 + s.x2 * scale, y0 + s.y2 * scale).lineWidth(0.7);
      if (s.dash) doc.dash(4, { space: 3 });
      doc.stroke(s.stroke).undash().restore();
    } else {
      const size = s.size * scale;
      const textWidth = doc.fontSize(size).widthOfString(pdfText(s.text));
      const x = s.anchor === 'middle' ? s.x * scale - textWidth / 2 : s.anchor === 'end' ? s.x * scale - textWidth : s.x * scale;
      doc.fillColor(s.fill).text(pdfText(s.text), x0 + x, y0 + s.y * scale - size * 0.8, { lineBreak: false });
    }
  }
  doc.fillColor(COLOURS.ink).fontSize(8).text(pdfText(chart.title), MARGIN, y0 + height + 2, { width });
  doc.moveDown(0.8);
}

function drawTable(doc: PDFKit.PDFDocument, block: Extract<Block, { type: 'table' }>, width: number): void {
  const columns = block.head.length;
  // Wider first column for labels; the rest share the remaining width.
  const widths = columns === 2 ? [width * 0.38, width * 0.62] : Array.from({ length: columns }, (_, i) => (i === 0 ? width * 0.24 : (width * 0.76) / (columns - 1)));
  const rowHeight = (cells: string[], bold: boolean) => Math.max(...cells.map((cell, i) => doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8).heightOfString(pdfText(cell), { width: (widths[i] as number) - 6 }))) + 5;
  const drawRow = (cells: string[], bold: boolean) => {
    const height = rowHeight(cells, bold);
    if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((cell, i) => {
      const w = widths[i] as number;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8).fillColor(COLOURS.ink).text(pdfText(cell), x + 3, y + 2.5, { width: w - 6, align: block.align?.[i] === 'right' ? 'right' : 'left' });
      x += w;
    });
    doc.moveTo(MARGIN, y + height).lineTo(MARGIN + width, y + height).lineWidth(0.5).stroke(COLOURS.grid);
    doc.x = MARGIN;
    doc.y = y + height;
  };
  if (block.head.some((h) => h !== '')) drawRow(block.head, true);
  for (const row of block.rows) drawRow(row, false);
  doc.font('Helvetica').moveDown(0.8);
}

/** The same blocks as the HTML, drawn with pdfkit on A4 with its standard fonts (nothing to embed or fetch). */
export function renderPdf(report: Report): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `SLA report ${report.header.month}`, Author: 'Sluice', CreationDate: new Date(report.header.generatedAt) } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  for (const block of outline(report)) {
    doc.x = MARGIN;
    if (block.type === 'title') doc.font('Helvetica-Bold').fontSize(16).fillColor(COLOURS.ink).text(pdfText(block.text), { width }).moveDown(0.5);
    else if (block.type === 'heading') {
      if (doc.y > doc.page.height - MARGIN - 120) doc.addPage();
      doc.font('Helvetica-Bold').fontSize(12).fillColor(COLOURS.ink).text(pdfText(block.text), { width }).moveDown(0.3);
    } else if (block.type === 'paragraph') doc.font('Helvetica').fontSize(9).fillColor(COLOURS.ink).text(pdfText(block.text), { width }).moveDown(0.5);
    else if (block.type === 'table') drawTable(doc, block, width);
    else drawChart(doc, block.chart, width);
  }
  doc.end();
  return done;
}

export async function renderReport(report: Report, format: ReportFormat): Promise<Buffer> {
  if (format === 'pdf') return renderPdf(report);
  const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'csv' ? renderCsv(report) : renderHtml(report);
  return Buffer.from(text, 'utf8');
}
