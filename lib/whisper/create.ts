// Creating a Whisper file so that a crash never leaves a 0-byte or header-less .wsp behind: the
// file is written under a hidden temporary name in the same directory and then hard-linked into
// place (which also refuses to replace a file that appeared meanwhile). whisper.py instead opens
// the final path first and can leave an empty file on a bad argument or a crash.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfiguration } from './errors.js';
import { encodeHeader, validateArchiveList } from './header.js';
import type { ArchiveSpec } from './retention.js';

export interface CreateOptions {
  /** Default 0.5, like whisper.py. */
  xFilesFactor?: number;
  /** Default 'average'. */
  aggregationMethod?: string;
  /** Leave the data area as a hole instead of writing zeros (same bytes, less disk until written). */
  sparse?: boolean;
  /**
   * whisper.py preallocates with posix_fallocate; Node has no fallocate, so this writes zeros
   * (fully allocated, like the default). Accepted for API compatibility.
   */
  useFallocate?: boolean;
  /** fsync the new file and its directory before returning (survives power loss, costs milliseconds). */
  durable?: boolean;
}

/** Everything create() decides before touching the disk. */
export interface CreatePlan {
  header: Uint8Array;
  fileSize: number;
  sparse: boolean;
  durable: boolean;
}

/** Validates the archive list, xFilesFactor and method (whisper.py's order and messages) and lays out the header. */
export function planCreate(archiveList: readonly ArchiveSpec[], options: CreateOptions = {}): CreatePlan {
  const archives = validateArchiveList(archiveList);
  const { header, fileSize } = encodeHeader(archives, options.xFilesFactor ?? 0.5, options.aggregationMethod ?? 'average');
  return { header, fileSize, sparse: options.sparse === true && options.useFallocate !== true, durable: options.durable === true };
}

let tmpCounter = 0;

/** A hidden name next to `file` (hidden so graphite-web's finder and sotto's index skip it). */
export function tempPathFor(file: string): string {
  tmpCounter = (tmpCounter + 1) % 1e9;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tmpCounter}.tmp`);
}

const ZEROS = Buffer.alloc(1 << 20);

function alreadyExists(file: string): InvalidConfiguration {
  return new InvalidConfiguration(`File ${file} already exists!`);
}

function linkUnsupported(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPERM' || err.code === 'ENOTSUP' || err.code === 'EOPNOTSUPP' || err.code === 'ENOSYS';
}

/** The temporary file could not be made for want of its directory: said of the file asked for, not of the temporary name. */
function aboutTarget(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'ENOENT' && code !== 'ENOTDIR') return err;
  return Object.assign(new Error(`cannot create ${file}: directory ${path.dirname(file)} does not exist`), { code });
}

/** whisper.py create(path, archiveList, xFilesFactor, aggregationMethod, sparse, useFallocate). */
export async function create(file: string, archiveList: readonly ArchiveSpec[], options: CreateOptions = {}): Promise<void> {
  const plan = planCreate(archiveList, options);
  if (fs.existsSync(file)) throw alreadyExists(file);
  const tmp = tempPathFor(file);
  try {
    const fh = await fsp.open(tmp, 'wx').catch((err: unknown) => { throw aboutTarget(err, file); });
    try {
      await fh.write(plan.header, 0, plan.header.length, 0);
      if (plan.sparse) await fh.truncate(plan.fileSize);
      else {
        for (let at = plan.header.length; at < plan.fileSize; at += ZEROS.length) {
          await fh.write(ZEROS, 0, Math.min(ZEROS.length, plan.fileSize - at), at);
        }
      }
      if (plan.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fsp.link(tmp, file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') throw alreadyExists(file);
      if (!linkUnsupported(e)) throw err;
      if (fs.existsSync(file)) throw alreadyExists(file);
      await fsp.rename(tmp, file);
    }
    if (plan.durable) await syncDirectory(path.dirname(file));
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The same as create(), synchronously, for the store writer's worker. Returns false (and leaves
 * the existing file alone) when `file` already exists, instead of throwing.
 */
export function createSync(file: string, plan: CreatePlan): boolean {
  const tmp = tempPathFor(file);
  try {
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'wx');
    } catch (err) {
      throw aboutTarget(err, file);
    }
    try {
      fs.writeSync(fd, plan.header, 0, plan.header.length, 0);
      if (plan.sparse) fs.ftruncateSync(fd, plan.fileSize);
      else {
        for (let at = plan.header.length; at < plan.fileSize; at += ZEROS.length) {
          fs.writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, plan.fileSize - at), at);
        }
      }
      if (plan.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') return false;
      if (!linkUnsupported(e)) throw err;
      if (fs.existsSync(file)) return false;
      fs.renameSync(tmp, file);
    }
    if (plan.durable) {
      const dfd = fs.openSync(path.dirname(file), 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    }
    return true;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
