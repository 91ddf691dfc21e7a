// The README is the user's contract: every CLI command, every configuration option and every
// HTTP route the code has must be named in it. The lists come from the code itself (the yargs
// command modules, the option table, the express router), so a new command, option or route
// fails this test until it is documented.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { serveCommand, configCommand } from '../lib/cli/serve.js';
import { whisperCommand } from '../lib/cli/whisper.js';
import { OPTIONS } from '../lib/config/options.js';
import { createHttpApp } from '../lib/http/app.js';

const README = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The first word of a yargs command string (`create <path> [retentions..]` → `create`). */
const verb = (c: CommandModule): string => String(c.command).split(' ')[0]!;

/** The subcommands a command module's builder registers (a stand-in Argv that records .command()). */
function subcommands(c: CommandModule): CommandModule[] {
  const found: CommandModule[] = [];
  const argv: Argv = new Proxy({} as Argv, {
    get: (_target, prop) => (...args: unknown[]) => {
      if (prop === 'command') found.push(args[0] as CommandModule);
      return argv;
    },
  });
  (c.builder as (y: Argv) => unknown)(argv);
  return found;
}

t.test('every CLI command is in the README', async (t) => {
  const whisper = subcommands(whisperCommand);
  t.ok(whisper.length >= 8, `the whisper subcommands were found (${whisper.map(verb).join(', ')})`);
  for (const c of [serveCommand, configCommand]) t.ok(README.includes(`sotto ${verb(c)}`), `sotto ${verb(c)}`);
  for (const c of whisper) t.ok(README.includes(`sotto whisper ${verb(c)}`), `sotto whisper ${verb(c)}`);
});

t.test('every configuration option and flag is in the README', async (t) => {
  for (const o of OPTIONS) {
    t.ok(README.includes(`\`${o.path}\``), `option ${o.path}`);
    if (o.flag) t.ok(README.includes(`--${o.flag}`), `flag --${o.flag}`);
  }
});

t.test('every HTTP route is in the README', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sotto-readme-'));
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const app = createHttpApp({ dataDir, onFlush: () => () => undefined, health: () => ({ lastFlush: null }) });
  t.teardown(() => app.close());
  interface Layer { route?: { path: string | string[] }; handle?: { stack?: Layer[] } }
  const routes: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) routes.push([layer.route.path].flat()[0]!);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  t.ok(routes.includes('/render') && routes.includes('/api/health'), `the routes were found (${routes.length})`);
  // The page and its assets are the web page's business, not the API's.
  const api = routes.filter((r) => !['/', '/index.html', '/style.css'].includes(r) && !r.startsWith('/vendor/'));
  for (const route of new Set(api)) {
    const documented = route.split('/:')[0]!; // `/series/:name` is documented as `/series/<name>`
    t.ok(README.includes(documented), `route ${route}`);
  }
});
