// DueQueue: files with held-back writes come out once each, when due, in deadline order.
import t from 'tap';
import { DueQueue } from '../../lib/store/due-queue.js';

const file = (id: number) => ({ id, deadline: -1 });
const ids = (files: { id: number }[]) => files.map((f) => f.id);

t.test('files come out when due, oldest deadline first, once each', async (t) => {
  const q = new DueQueue<ReturnType<typeof file>>();
  const [a, b, c] = [file(1), file(2), file(3)];
  q.add(a, 100);
  q.add(b, 150);
  q.add(a, 170); // already queued: its first deadline stands
  t.equal(a.deadline, 100);
  q.add(c, 200);
  t.same(ids(q.takeDue(99)), []);
  t.same(ids(q.takeDue(150)), [1, 2]);
  t.equal(a.deadline, -1, 'a file taken is no longer queued');
  t.same(ids(q.takeDue(150)), []);
  t.same(ids(q.takeDue(Infinity)), [3]);
});

t.test('a removed file is skipped, and queued again with its new deadline', async (t) => {
  const q = new DueQueue<ReturnType<typeof file>>();
  const [a, b] = [file(1), file(2)];
  q.add(a, 100);
  q.add(b, 110);
  q.remove(a);
  t.same(ids(q.takeDue(105)), [], 'written early: nothing due');
  q.add(a, 300);
  t.same(ids(q.takeDue(200)), [2], 'the old slot of a does not bring it out early');
  t.same(ids(q.takeDue(300)), [1]);
});

t.test('a long-running queue keeps its order across compactions', async (t) => {
  const q = new DueQueue<ReturnType<typeof file>>();
  const files = Array.from({ length: 5000 }, (_, i) => file(i));
  let next = 0;
  const out: number[] = [];
  for (let now = 0; now < 6000; now++) {
    if (next < files.length) {
      q.add(files[next]!, now + 50);
      if (next % 3 === 0) q.remove(files[next]!); // written early: never comes out
      next++;
    }
    out.push(...ids(q.takeDue(now)));
  }
  const expected = files.filter((f) => f.id % 3 !== 0).map((f) => f.id);
  t.same(out, expected);
});
