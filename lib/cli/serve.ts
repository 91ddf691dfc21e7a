// `sotto serve` (what `npm start` runs) and `sotto config`. Signal handling lives here:
// SIGTERM/SIGINT stop the server (flushing what is pending), SIGHUP reloads the storage rules.
// The process ends by itself once everything is closed; failures set process.exitCode.
import v8 from 'node:v8';
import type { Argv, CommandModule } from 'yargs';
import { OPTIONS, ConfigError, defaults, getPath } from '../config/options.js';
import { describeOptions, loadConfig, type LoadedConfig } from '../config/load.js';
import { SottoServer } from '../server.js';

function withConfigFlags<T>(y: Argv<T>): Argv<T> {
  let out: Argv<T> = y.option('config', { type: 'string', describe: 'config file (default conf/sotto.json when present)' }) as Argv<T>;
  for (const spec of OPTIONS) {
    if (!spec.flag) continue;
    const repeatable = spec.kind === 'pct[]' || spec.kind === 'forward[]' || spec.kind === 'string[]';
    out = out.option(spec.flag, { type: 'string', array: repeatable, describe: `${spec.describe} (${spec.path}, default ${JSON.stringify(spec.default)})` }) as Argv<T>;
  }
  return out;
}

function flagsOf(argv: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = { config: argv.config };
  for (const spec of OPTIONS) if (spec.flag) flags[spec.flag] = argv[spec.flag];
  return flags;
}

function load(argv: Record<string, unknown>): LoadedConfig | null {
  try {
    const loaded = loadConfig({ cwd: process.cwd(), env: process.env, flags: flagsOf(argv) });
    for (const w of loaded.warnings) console.error(`sotto: ${w}`);
    return loaded;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`sotto: ${err.message}`);
      process.exitCode = 1;
      return null;
    }
    throw err;
  }
}

/**
 * The collector's heap grows by 30 % between full collections instead of V8's default (up to 4x
 * the live heap): a flush leaves megabytes of dead batch arrays and names behind, and with 100,000
 * keys the default let RSS reach 650–950 MiB around ~250 MiB of live heaps (~390 MiB with this
 * and the writer threads' smaller young generation, store/writer.ts).
 * The flag is read at every full collection, so setting it at run time takes effect; it applies
 * to the writer workers too (V8 flags are per process).
 */
function collectorHeap(): void {
  v8.setFlagsFromString('--heap-growing-percent=30');
}

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'run the collector: statsd UDP/TCP, carbon plaintext, admin port, HTTP API and web page',
  builder: (y) => withConfigFlags(y),
  handler: async (argv) => {
    const loaded = load(argv as Record<string, unknown>);
    if (!loaded) return;
    collectorHeap();
    const server = new SottoServer({ config: loaded.config });
    try {
      await server.start();
    } catch (err) {
      console.error(`sotto: cannot start: ${(err as Error).message}`);
      process.exitCode = 1;
      await server.stop().catch(() => undefined);
      return;
    }
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          console.error(`sotto: ${signal} again while stopping; still flushing`);
          return;
        }
        stopping = true;
        console.log(`sotto: ${signal}: stopping, flushing what is pending`);
        server.stop().then(
          () => { console.log('sotto: stopped'); resolve(); },
          (err) => { console.error(`sotto: error while stopping: ${(err as Error).message}`); process.exitCode = 1; resolve(); },
        );
      };
      const onHup = (): void => { void server.reload(); };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', onHup);
    });
  },
};

export const configCommand: CommandModule = {
  command: 'config',
  describe: 'print the configuration sotto would use (file, SOTTO_* environment and flags applied)',
  builder: (y) =>
    withConfigFlags(y)
      .option('print-defaults', { type: 'boolean', describe: 'print the built-in defaults as conf/sotto.json would hold them' })
      .option('list', { type: 'boolean', describe: 'list every option: name, default, flag, environment variable, meaning' }),
  handler: (argv) => {
    if (argv['print-defaults']) {
      console.log(JSON.stringify(defaults(), null, 2));
      return;
    }
    if (argv.list) {
      for (const o of describeOptions()) {
        console.log(`${o.path} = ${JSON.stringify(o.default)}${o.flag ? `  ${o.flag}` : ''}  ${o.env}\n    ${o.describe}`);
      }
      return;
    }
    const loaded = load(argv as Record<string, unknown>);
    if (!loaded) return;
    console.log(JSON.stringify(loaded.config, null, 2));
    // Where the values that differ from the defaults came from (conf/sotto.json lists every option).
    const base = defaults() as unknown as Record<string, unknown>;
    const changed = Object.entries(loaded.sources).filter(([k]) => JSON.stringify(getPath(loaded.config as any, k)) !== JSON.stringify(getPath(base as any, k)));
    if (loaded.file) console.error(`(from ${loaded.file}${changed.length ? '; not the default: ' + changed.map(([k, v]) => `${k} by ${v === loaded.file ? 'the file' : v}`).join(', ') : ''})`);
  },
};
