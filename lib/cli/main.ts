import yargs from 'yargs';
import { VERSION } from '../version.js';
import { serveCommand, configCommand } from './serve.js';
import type { CommandModule } from 'yargs';
import { whisperCommand, whisperSubcommands } from './whisper.js';

/** A command line yargs refused (unknown option, bad value, missing argument), and the command it was for. */
class UsageError extends Error {
  constructor(message: string, readonly command: string[] = []) {
    super(message);
  }
}

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
    console.error(`sotto: ${err.message}\nRun \`${['sotto', ...err.command, '--help'].join(' ')}\` for usage.`);
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
      throw err ?? new UsageError(msg, commandPath(argv));
    })
    .parseAsync();
  return Number(process.exitCode ?? 0);
}

/** The (sub)command a command line is for (`whisper info`), so a usage error points at its help. */
function commandPath(argv: readonly string[]): string[] {
  const name = (c: CommandModule): string => String(c.command).split(' ')[0]!;
  const top = [serveCommand, configCommand, whisperCommand].find((c) => name(c) === argv[0]);
  if (top === undefined) return [];
  if (top === whisperCommand && whisperSubcommands.some((c) => name(c) === argv[1])) return [argv[0]!, argv[1]!];
  return [argv[0]!];
}
