import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';

// Metric names and user text must reach the page as text. The browser code builds every node
// with createElement/createTextNode (public/src/dom.ts); nothing may parse strings as HTML.
const SRC = new URL('../../public/src/', import.meta.url);
const HTML_SINKS = /\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\.html\(|DOMParser|createContextualFragment|srcdoc|\beval\(|new Function\(/;

t.test('no browser module parses strings as HTML', async (t) => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
  t.ok(files.length >= 10, `found the browser modules (${files.length})`);
  for (const file of files) {
    const lines = readFileSync(new URL(file, SRC), 'utf8').split('\n');
    const bad = lines.map((line, i) => [i + 1, line] as const).filter(([, line]) => HTML_SINKS.test(line) && !line.trim().startsWith('//'));
    t.same(bad, [], `${file} has no HTML sinks`);
  }
});

t.test('index.html has no inline script, so the Content-Security-Policy can forbid them', async (t) => {
  const html = readFileSync(new URL('../../public/index.html', import.meta.url), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  t.equal(scripts.length, 3, 'the data prefetch, d3 and the app');
  for (const [, attrs, body] of scripts) {
    t.match(attrs, /\bsrc="/, 'loaded from a file');
    t.equal(body!.trim(), '', 'with no inline code');
  }
  t.notMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
});
