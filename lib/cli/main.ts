import yargs from 'yargs';
import { VERSION } from '../version.js';
import { serveCommand, configCommand } from './serve.js';
import { whisperCommand } from './whisper.js';

/** A command line yargs refused (unknown option, bad value, missing argument). */
class UsageError extends Error {}

/**
 * Runs the sotto CLI with the given arguments; resolves to the process exit code: 2 for a
 * command line that cannot be used (as optparse and the whisper-* tools answer), and then the
 * command never runs.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`sotto: ${err.message}\nRun \`sotto --help\` for usage.`);
    return 2;
  }
}

async function run(argv: string[]): Promise<number> {
  await yargs(argv.length ? argv : ['serve'])
    .scriptName('sotto')
    .version(VERSION)
    .command(serveCommand)
    .command(configCommand)
    .command(whisperCommand)
    .demandCommand(1, 'Say which command to run (see --help).')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .wrap(null)
    // Throwing stops yargs: a fail handler that returns lets it run the command anyway.
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .parseAsync();
  return Number(process.exitCode ?? 0);
}
