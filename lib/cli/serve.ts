import type { CommandModule } from 'yargs';

// Placeholder until the collector lands (issue 3): owned by whoever builds lib/server.ts.
export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'run the collector: statsd UDP/TCP, carbon plaintext, HTTP API and web page',
  handler: () => {
    console.log('sotto serve: will listen for statsd on UDP 8125 and serve HTTP on 127.0.0.1:8080 (not built yet)');
  },
};

export const configCommand: CommandModule = {
  command: 'config',
  describe: 'print the configuration sotto would use',
  handler: () => {
    console.log('{}');
  },
};
