// The function table: every render function sotto implements, by name (aliases included),
// installed into the evaluator once. `/functions` describes exactly this table.
import type { FunctionDef } from '../context.js';
import { setFunctions } from '../evaluate.js';
import { aggregatorFunctions } from '../params.js';
import { combineFunctions } from './combine.js';
import { ratioFunctions } from './ratio.js';
import { transformFunctions } from './transform.js';
import { filterFunctions } from './filter.js';
import { windowFunctions } from './window.js';
import { timeFunctions } from './time.js';
import { specialFunctions } from './special.js';
import { aliasFunctions } from './alias.js';
import { def, p } from './helpers.js';

let table: Map<string, FunctionDef> | null = null;

function build(): Map<string, FunctionDef> {
  const map = new Map<string, FunctionDef>();
  const all = [
    ...combineFunctions(() => map),
    ...ratioFunctions(),
    ...transformFunctions(),
    ...filterFunctions(),
    ...windowFunctions(),
    ...timeFunctions(),
    ...specialFunctions(),
    ...aliasFunctions(),
    // resolved by the evaluator before lookup (no tag database: no tagged series)
    def('seriesByTag', 'Special', 'Series selected by tag expressions (sotto stores no tagged series: always empty).', [p('tagExpressions', 'string', { required: true, multiple: true })], () => []),
  ];
  for (const f of all) {
    map.set(f.name, f);
    if (f.aggregator && !aggregatorFunctions.includes(f.name)) aggregatorFunctions.push(f.name);
  }
  return map;
}

/** The function table (built and installed on first use). */
export function functionTable(): Map<string, FunctionDef> {
  if (!table) {
    table = build();
    setFunctions(table);
  }
  return table;
}
