// Starts fetching the graphs' data the moment the page's URL is known, while d3 and the rest of
// the app are still being downloaded and compiled (index.html loads this as an `async` module,
// which runs as soon as it arrives). The graph cards take these answers instead of asking again.
import { render } from './api.js';
import type { PlotSeries } from './chartModel.js';
import { stateFromQuery } from './state.js';

const pending = new Map<string, Promise<PlotSeries[]>>();

function key(target: string, from: string, until: string): string {
  return `${target}\n${from}\n${until}`;
}

/** The prefetched answer for this target and range, once (later loads fetch afresh). */
export function takePrefetched(target: string, from: string, until: string): Promise<PlotSeries[]> | undefined {
  const k = key(target, from, until);
  const p = pending.get(k);
  pending.delete(k);
  return p;
}

const state = stateFromQuery(location.search);
// The window's width bounds every chart's width: never fewer points than pixels.
const maxDataPoints = Math.max(300, window.innerWidth);
for (const graph of state.graphs) {
  for (const target of graph.targets) {
    const p = render({ target, from: state.from, until: state.until, maxDataPoints });
    p.catch(() => undefined); // the card reports errors when it takes the answer
    pending.set(key(target, state.from, state.until), p);
  }
}
