// The fleet page's chart: stacked bars of command outcomes per minute, drawn as inline SVG.
import { h, s, replace } from './dom.js';
import { finalStates, windowMinutes } from './outcomes.js';

const width = 600;
const height = 90;
const labelHeight = 14;

export function outcomeChart(outcomes) {
  const figure = h('figure', { class: 'chart' });
  const draw = () => replace(figure, picture(outcomes), caption(outcomes));
  outcomes.addEventListener('change', draw);
  draw();
  // Minutes move on even without events.
  const timer = setInterval(draw, 30_000);
  return { element: figure, dispose: () => { clearInterval(timer); outcomes.removeEventListener('change', draw); } };
}

function picture(outcomes) {
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const minutes = Array.from({ length: windowMinutes }, (_, i) => now - (windowMinutes - 1 - i) * 60_000);
  const totals = minutes.map((m) => Object.values(outcomes.buckets.get(m) ?? {}).reduce((a, b) => a + b, 0));
  const peak = Math.max(1, ...totals);
  const slot = width / windowMinutes;
  const plot = height - labelHeight;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'outcomes', 'aria-label': 'Command outcomes per minute' });
  minutes.forEach((minute, index) => {
    let y = plot;
    const bucket = outcomes.buckets.get(minute) ?? {};
    for (const state of finalStates) {
      const count = bucket[state] ?? 0;
      if (!count) continue;
      const barHeight = (count / peak) * (plot - 4);
      y -= barHeight;
      svg.append(s('rect', { x: index * slot + 1, y, width: slot - 2, height: barHeight, class: `bar ${state}` },
        s('title', null, `${clock(minute)}: ${count} ${state}`)));
    }
  });
  svg.append(s('line', { x1: 0, y1: plot, x2: width, y2: plot, class: 'axis' }));
  const ticks = [[0, 0, 'start'], [windowMinutes / 2, width / 2, 'middle'], [windowMinutes - 1, width, 'end']];
  for (const [index, x, anchor] of ticks) svg.append(s('text', { x, y: height - 2, class: 'tick', 'text-anchor': anchor }, clock(minutes[index])));
  svg.append(s('text', { x: 2, y: 10, class: 'tick' }, `peak ${peak}/min`));
  return svg;
}

function caption(outcomes) {
  return h('figcaption', null,
    `Commands per minute, last ${windowMinutes} min${outcomes.truncated ? ' (history read capped at 1000)' : ''}: `,
    finalStates.map((state) => h('span', { class: `key ${state}` }, state)));
}

function clock(ms) {
  const date = new Date(ms);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}
