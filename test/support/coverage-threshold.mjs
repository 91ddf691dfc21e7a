#!/usr/bin/env node
// tap 21 has no numeric coverage thresholds: it either demands 100 % or allows anything.
// `npm test` runs tap with --allow-incomplete-coverage and then this check, which fails the
// run when total coverage drops below the floors below. Raise them as coverage grows.
import { readFileSync } from 'node:fs';

const FLOORS = { lines: 93, statements: 93, functions: 90, branches: 87 };

let summary;
try {
  summary = JSON.parse(readFileSync(new URL('../../.tap/report/coverage-summary.json', import.meta.url), 'utf8'));
} catch (err) {
  console.error(`coverage check: no coverage summary (${err.message}); did tap run with --coverage-report=json-summary?`);
  process.exit(1);
}
const failures = [];
for (const [kind, floor] of Object.entries(FLOORS)) {
  const pct = summary.total[kind].pct;
  if (pct < floor) failures.push(`${kind} ${pct}% < ${floor}%`);
}
if (failures.length) {
  console.error(`coverage check failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`coverage check passed: ${Object.keys(FLOORS).map((k) => `${k} ${summary.total[k].pct}%`).join(', ')}`);
