import t from 'tap';
import { DOWN_FIRST_MS, DOWN_MAX_MS, nextDownDelay, writingBehind } from '../../public/src/serverStatus.js';

t.test('writing behind: a note only when more than one flush waits to be written', async (t) => {
  const writes = (w: Record<string, unknown>) => ({ status: 'up', writes: { unwrittenFlushes: 0, lastWrittenFlush: null, lastWriteMs: 40, joinedFlushes: 0, metricsNotWritten: 0, ...w } });
  t.equal(writingBehind({ status: 'up' }), null, 'an older sotto without `writes`: nothing');
  t.equal(writingBehind({ writes: null }), null);
  t.equal(writingBehind(writes({ unwrittenFlushes: 0 })), null, 'keeping up');
  t.equal(writingBehind(writes({ unwrittenFlushes: 1 })), null, 'one flush being written is keeping up');
  t.equal(writingBehind(writes({ unwrittenFlushes: '7' })), null, 'not a number: nothing');
  const note = writingBehind(writes({ unwrittenFlushes: 4, lastWriteMs: 4200.4, joinedFlushes: 3, metricsNotWritten: 2 }));
  t.equal(note?.text, 'writing is 4 flushes behind');
  t.match(note?.title, /4 flushes are waiting/);
  t.match(note?.title, /took 4200 ms/);
  t.match(note?.title, /3 flushes were written together/);
  t.match(note?.title, /2 metrics could not be written/);
  t.notMatch(note?.title, /Newest flush written/, 'no newest flush yet: not mentioned');
});

t.test('while sotto is down it is asked again less and less often, never more than every 5 s', async (t) => {
  const delays: number[] = [];
  let d: number | null = null;
  for (let i = 0; i < 6; i++) delays.push((d = nextDownDelay(d)));
  t.same(delays, [DOWN_FIRST_MS, 10_000, 20_000, DOWN_MAX_MS, DOWN_MAX_MS, DOWN_MAX_MS]);
  t.equal(DOWN_FIRST_MS, 5_000);
});
