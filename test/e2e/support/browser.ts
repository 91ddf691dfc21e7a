// Headless Chromium from Debian, driven by playwright-core (never a downloaded browser), with a
// fresh profile per test file, page errors collected, and a screenshot when a test fails.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { requirePeer } from '../../support/interop.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

/**
 * requirePeer() for a tap 21 test: its TapLike declares `skip(message)`, which tap's overloaded
 * `skip` does not match in type (it does at run time).
 */
export function needPeer(t: Test, peer: string, available: boolean, howToInstall: string): boolean {
  return requirePeer(t as unknown as Parameters<typeof requirePeer>[0], peer, available, howToInstall);
}

/** Launches Chromium for the test file; null (test failed or skipped) when there is none. */
export async function launchBrowser(t: Test, options: { timezoneId?: string; locale?: string; colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<BrowserContext | null> {
  if (!needPeer(t, 'chromium', existsSync(CHROMIUM), 'apt-get install -y chromium')) return null;
  const profile = mkdtempSync(join(tmpdir(), 'sotto-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    timezoneId: options.timezoneId,
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(15_000);
  t.teardown(async () => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

export interface WatchedPage {
  page: Page;
  /** Uncaught errors and console errors of the page (failed requests are in `failed`). */
  errors: string[];
  /** Requests answered with 4xx/5xx: `404 GET /path?query`. */
  failed: string[];
  /** Messages of alert/confirm/prompt dialogs that opened (an XSS would show up here). */
  dialogs: string[];
}

/** A new tab that records errors and dialogs and is photographed if the test fails. */
export async function openPage(t: Test, context: BrowserContext, name: string, acceptDialogs = false): Promise<WatchedPage> {
  const page = await context.newPage();
  await page.bringToFront();
  const watched: WatchedPage = { page, errors: [], failed: [], dialogs: [] };
  page.on('pageerror', (err) => watched.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chrome also logs every 4xx/5xx answer, without its URL: those are checked via `failed`.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) watched.errors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) {
      const url = new URL(res.url());
      watched.failed.push(`${res.status()} ${res.request().method()} ${url.pathname}${url.search}`);
    }
  });
  page.on('dialog', (d) => {
    watched.dialogs.push(`${d.type()}: ${d.message()}`);
    void (acceptDialogs ? d.accept() : d.dismiss());
  });
  t.teardown(async () => {
    if (!t.passing() && !page.isClosed()) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      process.stderr.write(`screenshot of the failed page: ${file}\n`);
    }
    await page.close().catch(() => undefined);
  });
  return watched;
}

/** Points drawn by an SVG path from d3.line: one per M/L command; segments = M commands. */
export function pathStats(d: string | null): { points: number; segments: number } {
  if (!d) return { points: 0, segments: 0 };
  return { points: (d.match(/[ML]/g) ?? []).length, segments: (d.match(/M/g) ?? []).length };
}
