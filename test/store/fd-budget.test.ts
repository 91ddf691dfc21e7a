// The store writer's fd budget: at most `max` files keep an fd, the least recently written idle
// one gives its fd up, busy ones never do.
import t from 'tap';
import { FdBudget } from '../../lib/store/fd-budget.js';

type File = { lastBatch: number };

function setup(max: number) {
  const budget = new FdBudget<File>(max, 8);
  const evicted: string[] = [];
  const evict = (name: string) => {
    evicted.push(name);
    budget.release(name);
  };
  return { budget, evicted, evict };
}

t.test('admits up to max, then only by evicting the least recently written idle file', async (t) => {
  const { budget, evicted, evict } = setup(2);
  const a = { lastBatch: 1 };
  const b = { lastBatch: 2 };
  const c = { lastBatch: 5 };
  t.ok(budget.admit('a', a, 1, evict));
  t.ok(budget.admit('b', b, 2, evict));
  t.notOk(budget.admit('c', c, 5, evict), 'full, and a has been idle only 4 batches');
  t.same(evicted, []);
  budget.touch('a', a); // a written again: b is now the least recently written
  a.lastBatch = 6;
  t.notOk(budget.admit('c', c, 9, evict), 'b idle 7 batches: not yet');
  t.ok(budget.admit('c', c, 10, evict), 'b idle 8 batches: it gives its fd to c');
  t.same(evicted, ['b']);
  t.equal(budget.size, 2);
  t.same(budget.held().map(([name]) => name), ['a', 'c'], 'least recently written first');
});

t.test('a refusal is remembered until an fd can be free, then the look resumes', async (t) => {
  const { budget, evicted, evict } = setup(1);
  const a = { lastBatch: 3 };
  t.ok(budget.admit('a', a, 3, evict));
  for (let batch = 4; batch < 11; batch++) t.notOk(budget.admit(`x${batch}`, { lastBatch: batch }, batch, evict), `batch ${batch}: refused`);
  t.ok(budget.admit('y', { lastBatch: 11 }, 11, evict), 'a has been idle 8 batches at batch 11');
  t.same(evicted, ['a']);
});

t.test('a budget of 0 keeps nothing; release and held reflect what is kept', async (t) => {
  const none = setup(0);
  t.notOk(none.budget.admit('a', { lastBatch: 1 }, 1, none.evict));
  t.equal(none.budget.size, 0);
  const { budget, evict } = setup(3);
  budget.admit('a', { lastBatch: 1 }, 1, evict);
  budget.admit('b', { lastBatch: 1 }, 1, evict);
  budget.release('a');
  t.same(budget.held().map(([name]) => name), ['b']);
});
