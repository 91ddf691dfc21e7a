// An exclusive flock(2) on a file around an async body: what whisper.py's update_many takes when
// whisper.LOCK is set (whisper-fill --lock), so that writers locking the same way (carbon with
// WHISPER_LOCK_WRITES, whisper.py with LOCK) wait for each other.
//
// Node has no flock(2). The lock is taken by a flock(1) child (util-linux) on its own open file
// description of the file: flock locks belong to the open file description, so while the child
// holds it every other flock() on the file waits. The child runs `cat` once it holds the lock, so
// the line written to it comes back then; closing its stdin ends it and releases the lock (so
// does this process dying). Without flock(1) the body runs unlocked, as whisper.py's does where
// it cannot lock (CAN_LOCK false).
import { spawn } from 'node:child_process';

let warned = false;

export async function withFileLock<R>(path: string, body: () => Promise<R>): Promise<R> {
  const child = spawn('flock', ['--exclusive', '--', path, 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // EPIPE when flock failed: reported by 'close' below
  const locked = await new Promise<boolean>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
    child.stdout.once('data', () => resolve(true));
    child.once('close', (code) => reject(new Error(`cannot lock ${path}: ${stderr.trim() || `flock exited with code ${code}`}`)));
    child.stdin.write('locked\n');
  });
  if (!locked) {
    if (!warned) process.emitWarning('flock(1) (util-linux) not found: writing without a lock');
    warned = true;
    return body();
  }
  try {
    return await body();
  } finally {
    child.stdin.end();
    await closed;
  }
}
