import t from 'tap';
import { VERSION } from '../lib/version.js';

t.test('the version is the semver string from package.json', async (t) => {
  t.match(VERSION, /^\d+\.\d+\.\d+/);
});
