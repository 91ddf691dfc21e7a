// Comparing /render and /metrics/find answers of sotto and graphite-web after parsing: same
// targets, tags and timestamps, numbers equal within 1e-9 relative. Used by the differential tests.

export interface RenderSeriesJson {
  target: string;
  tags: Record<string, string>;
  datapoints: [number | null, number][];
}

export function closeEnough(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Differences between two render answers (empty when they agree); `shift` compares ours[i] with theirs[i + shift]. */
export function diffRender(ours: RenderSeriesJson[], theirs: RenderSeriesJson[], shift = 0): string[] {
  const problems: string[] = [];
  if (ours.length !== theirs.length) return [`${ours.length} series vs graphite's ${theirs.length}: ${ours.map((s) => s.target).join(' | ')} vs ${theirs.map((s) => s.target).join(' | ')}`];
  ours.forEach((a, i) => {
    const b = theirs[i];
    if (a.target !== b.target) problems.push(`series ${i}: target ${JSON.stringify(a.target)} vs ${JSON.stringify(b.target)}`);
    if (JSON.stringify(a.tags) !== JSON.stringify(b.tags)) problems.push(`series ${i}: tags ${JSON.stringify(a.tags)} vs ${JSON.stringify(b.tags)}`);
    if (a.datapoints.length !== b.datapoints.length) {
      problems.push(`series ${i}: ${a.datapoints.length} points vs ${b.datapoints.length}`);
      return;
    }
    for (let j = 0; j < a.datapoints.length; j++) {
      const [va, ta] = a.datapoints[j];
      if (ta !== b.datapoints[j][1]) {
        problems.push(`series ${i} point ${j}: timestamp ${ta} vs ${b.datapoints[j][1]}`);
        break;
      }
      if (j + shift >= b.datapoints.length) continue;
      const vb = b.datapoints[j + shift][0];
      if (!closeEnough(va, vb)) {
        problems.push(`series ${i} point ${j} (t=${ta}): ${va} vs ${vb}`);
        break;
      }
    }
  });
  return problems;
}

/** CSV rows → [name, time, value] with values compared numerically. */
export function diffCsv(ours: string, theirs: string): string[] {
  const rows = (text: string): string[][] => text.split('\r\n').filter(Boolean).map((l) => l.split(','));
  const [a, b] = [rows(ours), rows(theirs)];
  if (a.length !== b.length) return [`${a.length} csv rows vs ${b.length}`];
  for (let i = 0; i < a.length; i++) {
    const [na, ta, va] = a[i];
    const [nb, tb, vb] = b[i];
    const num = (v: string): number | null => (v === '' ? null : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
    if (na !== nb || ta !== tb || !closeEnough(num(va), num(vb))) return [`csv row ${i}: ${a[i].join(',')} vs ${b[i].join(',')}`];
  }
  return [];
}
