import yargs from 'yargs';
import { VERSION } from '../version.js';
import { serveCommand, configCommand } from './serve.js';
import { whisperCommand } from './whisper.js';

/** Runs the sotto CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
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
    .fail((msg, err) => {
      if (err) throw err;
      console.error(`sotto: ${msg}\nRun \`sotto --help\` for usage.`);
      exitCode = 1;
    })
    .parseAsync();
  return Number(process.exitCode ?? exitCode) || exitCode;
}
