// Newline framing and closing of the TCP line ports (statsd TCP, carbon plaintext): a line too
// long to keep is dropped whole, however it arrives, and an unterminated last line is handed on
// whether the client ends the connection or the server closes it at shutdown.
import t, { type Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { TcpService, frameLines } from '../../lib/net/listen.js';

const MAX = 1000;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TcpService framing lines into `texts` (and overflows into `overflows`), and a connected client. */
async function serve(t: Test, allowHalfOpen = false): Promise<{ service: TcpService; client: net.Socket; texts: string[]; overflows: string[] }> {
  const texts: string[] = [];
  const overflows: string[] = [];
  const service = new TcpService((socket) => frameLines(socket, MAX, (text) => texts.push(text), (start) => overflows.push(start)));
  const { port } = await service.listen(0, '127.0.0.1');
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  client.on('error', () => undefined);
  await once(client, 'connect');
  t.teardown(async () => {
    client.destroy();
    await service.close(0);
  });
  return { service, client, texts, overflows };
}

const lines = (texts: string[]): string[] => texts.join('').split('\n').filter(Boolean);

t.test('a line longer than the limit is dropped up to its newline, however it arrives', async (t) => {
  const { client, texts, overflows } = await serve(t);
  client.write('before:1|c\n' + 'a'.repeat(600));
  await until(() => texts.length === 1);
  client.write('a'.repeat(600)); // now over the limit: reported, then skipped
  await until(() => overflows.length === 1);
  client.write('a'.repeat(5000) + '.evil:5|c\nafter:1|c\n');
  await until(() => lines(texts).includes('after:1|c'));
  t.same(lines(texts), ['before:1|c', 'after:1|c'], 'nothing of the long line is read as a line');
  t.equal(overflows.length, 1);
  t.equal(overflows[0]!.length, 1200, 'the overflow sees the line as far as it was kept');

  client.write('x:1|c\n' + 'b'.repeat(3000) + ':2|c\ny:1|c\n'); // a whole long line inside one chunk
  await until(() => lines(texts).includes('y:1|c'));
  t.same(lines(texts).slice(2), ['x:1|c', 'y:1|c']);
  t.equal(overflows.length, 2);
  t.equal(overflows[1], 'b'.repeat(MAX), 'its start, cut at the limit');
});

t.test('an unterminated last line is handed on once when the client ends', async (t) => {
  const { client, texts } = await serve(t);
  client.end('a:1|c\nb:2|c');
  await until(() => lines(texts).length === 2);
  await new Promise((r) => setTimeout(r, 50));
  t.same(texts, ['a:1|c\n', 'b:2|c']);
});

t.test('close() hands on the unterminated line of a client that keeps its connection open', async (t) => {
  const { service, client, texts } = await serve(t, true); // half-open allowed: the client does not answer the server's end() with its own
  client.write('open.a:1|c\nopen.b:2|c');
  await until(() => texts.length === 1);
  const started = Date.now();
  await service.close(200);
  t.same(texts, ['open.a:1|c\n', 'open.b:2|c'], 'in before close() resolves');
  t.ok(Date.now() - started < 2000, 'the connection is cut after the grace period');
});
