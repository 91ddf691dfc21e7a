// What the server sends for the page itself: the HTML with a strict CSP, the compiled modules,
// d3 from node_modules (never a CDN) with long caching, correct content types, nothing else.
import t, { type Test } from 'tap';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { staticRoutes } from '../../lib/http/static.js';
import { ensurePageBuilt } from './support/build.js';

async function serve(t: Test, options?: Parameters<typeof staticRoutes>[0]): Promise<string> {
  const app = express();
  app.use(staticRoutes(options));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const d3Dist = dirname(createRequire(import.meta.url).resolve('d3')); // …/d3/dist (d3 exports no package.json)
const d3Version = (JSON.parse(readFileSync(join(d3Dist, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** A conditional GET with node:http (fetch turns a request with If-None-Match into an uncached one). */
function conditionalGet(url: string, etag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'If-None-Match': etag } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

await ensurePageBuilt();

t.test('the page is served with a strict content security policy and no caching', async (t) => {
  const base = await serve(t);
  const res = await fetch(`${base}/`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/html/);
  t.equal(res.headers.get('cache-control'), 'no-cache');
  t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const csp = res.headers.get('content-security-policy') ?? '';
  t.match(csp, /script-src 'self'(;|$)/, 'scripts from this server only, nothing inline');
  t.notMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  const html = await res.text();
  t.match(html, new RegExp(`<script defer src="/vendor/d3@${d3Version}/d3.min.js"></script>`), 'd3 at a versioned local URL');
  t.notMatch(html, /https?:\/\//, 'no external URL (works offline)');
  t.match(html, /<link rel="modulepreload" href="\/dist\/app.js">/, 'modules preloaded');
  t.notMatch(html, /%[A-Z0-9_]+%/, 'every placeholder filled');
  t.equal((await fetch(`${base}/index.html`)).status, 200);
});

t.test('d3 comes from the installed package, cached for a year under its version', async (t) => {
  const base = await serve(t);
  const res = await fetch(`${base}/vendor/d3@${d3Version}/d3.min.js`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^(text|application)\/javascript/);
  t.match(res.headers.get('cache-control'), /max-age=31536000/);
  const body = await res.text();
  t.equal(body, readFileSync(join(d3Dist, 'd3.min.js'), 'utf8'), 'byte for byte the package file');
  t.equal((await fetch(`${base}/vendor/d3@0.0.1/d3.min.js`)).status, 404, 'another version is not there');
});

t.test('compiled modules, styles and icon have their content types and are revalidated', async (t) => {
  const base = await serve(t);
  for (const [path, type] of [
    ['/dist/app.js', /^(text|application)\/javascript/],
    ['/style.css', /^text\/css/],
    ['/favicon.svg', /^image\/svg\+xml/],
    ['/src/app.ts', /^text\/plain/],
  ] as const) {
    const res = await fetch(`${base}${path}`);
    t.equal(res.status, 200, path);
    t.match(res.headers.get('content-type'), type, `${path} content type`);
    t.equal(res.headers.get('cache-control'), 'no-cache', `${path} revalidated`);
    const etag = res.headers.get('etag');
    t.ok(etag, `${path} has an ETag`);
    t.equal(await conditionalGet(`${base}${path}`, etag!), 304, `${path}: 304 when unchanged`);
  }
});

t.test('nothing else from the package is exposed', async (t) => {
  const base = await serve(t);
  for (const path of ['/tsconfig.json', '/package.json', '/dist/../../package.json', '/dist/%2e%2e/%2e%2e/package.json', '/src/../tsconfig.json', '/node_modules/d3/package.json', '/.env', '/dist/.hidden']) {
    t.equal((await fetch(`${base}${path}`)).status, 404, path);
  }
});

t.test('an uncompiled page says how to build it instead of showing a blank page', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-public-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  const base = await serve(t, { publicDir: dir });
  const res = await fetch(`${base}/`);
  t.equal(res.status, 503);
  t.match(await res.text(), /npm run build/);
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', 'app.js'), '');
  t.equal((await fetch(`${base}/`)).status, 200, 'served once compiled');
});
