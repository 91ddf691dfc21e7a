import type { CommandModule } from 'yargs';

// Placeholder until the Whisper CLI lands (issue 2).
export const whisperCommand: CommandModule = {
  command: 'whisper <command>',
  describe: 'create, inspect and change Whisper files, like the whisper-* tools',
  builder: (y) => y,
  handler: () => {},
};
