// Child process for the kill -9 tests: writes to Whisper files in a loop until killed.
//   write-loop.ts update <file>      updateMany batches on one file (the async API)
//   write-loop.ts writer <dataDir>   WhisperWriter flushes that keep creating and updating files
import { updateMany } from '../../../lib/whisper/index.js';
import { WhisperWriter } from '../../../lib/store/writer.js';
import { parseStorageRules } from '../../../lib/config/storage-rules.js';

const [mode, target] = process.argv.slice(2);
if (mode === undefined) {
  // Run directly (e.g. `tap test/whisper/`): not a test by itself.
  process.stdout.write('1..0 # SKIP child process of kill.test.ts\n');
  process.exit(0);
}
let now = 1_700_000_000;
let announced = false;
const ready = () => {
  if (!announced) process.stdout.write('ready\n');
  announced = true;
};

if (mode === 'update') {
  for (let i = 0; ; i++) {
    const points: [number, number][] = [];
    for (let k = 0; k < 50; k++) points.push([now - k * 7, i + k / 10]);
    await updateMany(target!, points, now);
    now += 60;
    ready();
  }
} else {
  const rules = parseStorageRules('[all]\npattern = .\nretentions = 10s:1h,1m:1d,10m:30d\n', null);
  const writer = new WhisperWriter({ dataDir: target!, rules, workers: 0, sparse: false });
  for (let flush = 0; ; flush++) {
    const points = [];
    for (let m = 0; m < 40; m++) points.push({ name: `kill.m${flush % 50}.n${m}`, value: flush, timestamp: now });
    await writer.write(points, now);
    now += 10;
    ready();
  }
}
