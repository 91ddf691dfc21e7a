// The metric browser's files: public/index.html at `/`, the compiled browser modules under
// `/dist/` (built from public/src by `tsc -p public`), styles, and d3's UMD bundle from the
// installed package at `/vendor/d3@<version>/d3.min.js` — never a CDN, so the page works offline.
//
//   GET /                              → index.html (no-cache; strict Content-Security-Policy)
//   GET /dist/app.js                   → compiled browser module (no-cache + ETag: revalidated, cheap)
//   GET /vendor/d3@7.9.2/d3.min.js     → node_modules/d3/dist/d3.min.js (versioned URL: cached for a year)
import express, { Router, type Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticRoutesOptions {
  /** Directory holding index.html, style.css and the compiled dist/ (default: the package's public/). */
  publicDir?: string;
  /** Directory of d3's dist/ bundle (default: resolved from the installed d3 package). */
  d3Dir?: string;
}

// Scripts only from our own origin: with no inline scripts at all, even a rendering mistake
// could not run an injected `onerror=` handler. Styles set through the CSSOM by d3 are allowed
// by style-src 'self' (CSP restricts style attributes in markup, not element.style).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The package root: the nearest ancestor of this file with public/index.html (works from lib/ and dist/lib/). */
function findPublicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('sotto: cannot find the web page (public/index.html) next to the installed package');
    dir = parent;
  }
}

function findD3(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('d3')); // …/node_modules/d3/dist/d3.mjs → …/dist
  const pkg = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  return { dir, version: pkg.version };
}

function commonHeaders(res: Response): void {
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'no-referrer');
}

export function staticRoutes(options: StaticRoutesOptions = {}): Router {
  const publicDir = options.publicDir ?? findPublicDir();
  const d3 = options.d3Dir ? { dir: options.d3Dir, version: 'local' } : findD3();
  const d3Url = `/vendor/d3@${d3.version}/d3.min.js`;
  const router = Router();

  const sendIndex = async (_req: unknown, res: Response) => {
    commonHeaders(res);
    res.set('Cache-Control', 'no-cache');
    if (!existsSync(join(publicDir, 'dist', 'app.js'))) {
      res.status(503).type('text/plain').send('The sotto web page has not been compiled: run `npm run build` (it runs `tsc -p public`).\n');
      return;
    }
    // Preload every module at once instead of discovering imports one level at a time.
    const modules = (await readdir(join(publicDir, 'dist'))).filter((f) => f.endsWith('.js')).sort();
    const preload = modules.map((f) => `<link rel="modulepreload" href="/dist/${f}">`).join('\n  ');
    const html = (await readFile(join(publicDir, 'index.html'), 'utf8')).replace('%D3_URL%', d3Url).replace('<!-- %PRELOAD% -->', preload);
    res.set('Content-Security-Policy', CSP);
    res.type('html').send(html);
  };
  router.get('/', sendIndex);
  router.get('/index.html', sendIndex);

  router.get(d3Url, (_req, res) => {
    commonHeaders(res);
    res.set('Cache-Control', 'public, max-age=31536000, immutable');
    res.sendFile('d3.min.js', { root: d3.dir, cacheControl: false });
  });

  const revalidating = (dir: string) =>
    express.static(dir, {
      index: false,
      dotfiles: 'ignore',
      cacheControl: false,
      redirect: false,
      setHeaders(res, path) {
        commonHeaders(res);
        res.setHeader('Cache-Control', 'no-cache');
        // Sources are served for source maps only; `.ts` would otherwise go out as video/mp2t.
        if (path.endsWith('.ts')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      },
    });
  // Only what the page needs: not tsconfig.json or anything else that lands in public/.
  router.use('/dist', revalidating(join(publicDir, 'dist')));
  router.use('/src', revalidating(join(publicDir, 'src')));
  router.get(['/style.css', '/favicon.svg'], revalidating(publicDir));
  return router;
}
