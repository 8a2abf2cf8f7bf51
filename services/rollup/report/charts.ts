import { count, percent } from './format.js';
import type { Level, SloSection } from './model.js';

/**
 * The report's charts as drawing primitives in a width × height box, so the HTML (inline SVG) and the PDF
 * (pdfkit) draw the same chart from one geometry.
 */

export type Shape =
  | { type: 'rect'; x: number; y: number; w: number; h: number; fill: string }
  | { type: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; dash?: boolean }
  | { type: 'text'; x: number; y: number; text: string; size: number; anchor: 'start' | 'middle' | 'end'; fill: string };

export interface Chart {
  title: string;
  width: number;
  height: number;
  shapes: Shape[];
}

export const COLOURS: Record<Level | 'none' | 'ink' | 'grid' | 'volume', string> = {
  met: '#2e7d32',
  'at risk': '#b8860b',
  warning: '#e65100',
  critical: '#c62828',
  'no data': '#9e9e9e',
  none: '#bdbdbd',
  ink: '#212121',
  grid: '#e0e0e0',
  volume: '#1565c0',
};

const WIDTH = 520;
const HEIGHT = 170;
const LEFT = 52;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;

function frame(days: number): { plotW: number; plotH: number; step: number } {
  const plotW = WIDTH - LEFT - RIGHT;
  return { plotW, plotH: HEIGHT - TOP - BOTTOM, step: plotW / Math.max(1, days) };
}

function dayLabels(slo: SloSection, step: number): Shape[] {
  return slo.daily.flatMap((day, i) => (i % 5 === 0 || i === slo.daily.length - 1 ? [{ type: 'text' as const, x: LEFT + i * step + step / 2, y: HEIGHT - 10, text: day.date.slice(8), size: 8, anchor: 'middle' as const, fill: COLOURS.ink }] : []));
}

function dayLevel(slo: SloSection, attainment: number): Level {
  if (attainment >= slo.target) return 'met';
  if (attainment >= slo.breach.warning) return 'at risk';
  if (attainment >= slo.breach.critical) return 'warning';
  return 'critical';
}

/** Daily attainment as bars coloured by level, with the target as a dashed line; days without traffic or data are marked, never drawn as 100 %. */
export function attainmentChart(slo: SloSection): Chart {
  const { plotW, plotH, step } = frame(slo.daily.length);
  const lowest = Math.min(slo.breach.critical, ...slo.daily.map((d) => d.attainment ?? 1));
  const floor = Math.max(0, Math.floor((lowest - (1 - lowest) * 0.25) * 1000) / 1000);
  const y = (share: number) => TOP + plotH - ((share - floor) / (1 - floor)) * plotH;
  const shapes: Shape[] = [];
  for (const tick of [floor, (floor + 1) / 2, 1]) {
    shapes.push({ type: 'line', x1: LEFT, y1: y(tick), x2: LEFT + plotW, y2: y(tick), stroke: COLOURS.grid });
    shapes.push({ type: 'text', x: LEFT - 4, y: y(tick) + 3, text: percent(tick, tick === 1 ? 0 : 2), size: 8, anchor: 'end', fill: COLOURS.ink });
  }
  slo.daily.forEach((day, i) => {
    const x = LEFT + i * step + step * 0.15;
    if (day.attainment === null) {
      shapes.push({ type: 'text', x: x + step * 0.35, y: TOP + plotH - 4, text: day.state === 'no data' ? '×' : '–', size: 9, anchor: 'middle', fill: COLOURS['no data'] });
      return;
    }
    const top = y(day.attainment);
    shapes.push({ type: 'rect', x, y: top, w: step * 0.7, h: Math.max(1, TOP + plotH - top), fill: COLOURS[dayLevel(slo, day.attainment)] });
  });
  shapes.push({ type: 'line', x1: LEFT, y1: y(slo.target), x2: LEFT + plotW, y2: y(slo.target), stroke: COLOURS.ink, dash: true });
  shapes.push({ type: 'text', x: LEFT + plotW, y: y(slo.target) - 3, text: `target ${percent(slo.target, 2)}`, size: 8, anchor: 'end', fill: COLOURS.ink });
  shapes.push(...dayLabels(slo, step));
  return { title: `${slo.displayName}: daily attainment (good / valid per day; – no traffic, × no data)`, width: WIDTH, height: HEIGHT, shapes };
}

/** Valid events per day. */
export function volumeChart(slo: SloSection): Chart {
  const { plotW, plotH, step } = frame(slo.daily.length);
  const most = Math.max(1, ...slo.daily.map((d) => d.valid));
  const shapes: Shape[] = [
    { type: 'line', x1: LEFT, y1: TOP + plotH, x2: LEFT + plotW, y2: TOP + plotH, stroke: COLOURS.grid },
    { type: 'line', x1: LEFT, y1: TOP, x2: LEFT + plotW, y2: TOP, stroke: COLOURS.grid },
    { type: 'text', x: LEFT - 4, y: TOP + 3, text: count(most), size: 8, anchor: 'end', fill: COLOURS.ink },
    { type: 'text', x: LEFT - 4, y: TOP + plotH + 3, text: '0', size: 8, anchor: 'end', fill: COLOURS.ink },
  ];
  slo.daily.forEach((day, i) => {
    const h = (day.valid / most) * plotH;
    if (h > 0) shapes.push({ type: 'rect', x: LEFT + i * step + step * 0.15, y: TOP + plotH - h, w: step * 0.7, h, fill: COLOURS.volume });
  });
  shapes.push(...dayLabels(slo, step));
  return { title: `${slo.displayName}: valid events per day`, width: WIDTH, height: HEIGHT, shapes };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

export function chartSvg(chart: Chart): string {
  const body = chart.shapes
    .map((s) => {
      if (s.type === 'rect') return `<rect x="${s.x.toFixed(1)}" y="${s.y.toFixed(1)}" width="${s.w.toFixed(1)}" height="${s.h.toFixed(1)}" fill="${s.fill}"/>`;
      if (s.type === 'line') return `<line x1="${s.x1.toFixed(1)}" y1="${s.y1.toFixed(1)}" x2="${s.x2.toFixed(1)}" y2="${s.y2.toFixed(1)}" stroke="${s.stroke}"${s.dash ? ' stroke-dasharray="4 3"' : ''}/>`;
      return `<text x="${s.x.toFixed(1)}" y="${s.y.toFixed(1)}" font-size="${s.size}" text-anchor="${s.anchor}" fill="${s.fill}">${escapeXml(s.text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${chart.width} ${chart.height}" role="img" aria-label="${escapeXml(chart.title)}" font-family="Helvetica, Arial, sans-serif">${body}</svg>`;
}
