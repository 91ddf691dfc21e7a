// whisper.py's fetch on an open file descriptor: synchronous positioned reads into one reused
// buffer (a day of points is two or three small preads; fetches never overlap within a thread,
// so nothing is allocated per read). Shared by the public fetch/fetchSync and the HTTP reader,
// which keeps descriptors and headers open between requests.
import { readFullySync, readHeaderSync } from './file-sync.js';
import type { ArchiveInfo, Header } from './header.js';
import { chooseArchive, decodeSlots, emptyValues, fetchIntervals, slotBytes, type FetchResult } from './fetch-core.js';

/** An open Whisper file as fetchOpen() reads it. */
export interface OpenWhisper {
  fd: number;
  path: string;
  header: Header;
  /**
   * Each archive's base timestamp (its first slot's) as last read, 0 while unknown. A base only
   * ever moves by whole turns of its ring, which leaves every slot where it was (see fetchOpen).
   */
  bases: number[];
}

let scratch = new Uint8Array(64 * 1024);

function readAt(fd: number, path: string, length: number, position: number, into: number): void {
  if (scratch.length < into + length) {
    const bigger = new Uint8Array(Math.max(into + length, scratch.length * 2));
    bigger.set(scratch.subarray(0, into));
    scratch = bigger;
  }
  readFullySync(fd, path, scratch, into, length, position);
}

function uint32At(at: number): number {
  return ((scratch[at]! << 24) | (scratch[at + 1]! << 16) | (scratch[at + 2]! << 8) | scratch[at + 3]!) >>> 0;
}

/**
 * Reads and checks the header of an open file of `fileSize` bytes (readHeaderSync), with the base
 * timestamps of the archives that start within its first read as fetchOpen takes them (0 for the
 * others: unknown).
 */
export function readHeaderFd(fd: number, path: string, fileSize: number): { header: Header; bases: number[] } {
  const { header, bases } = readHeaderSync(fd, path, fileSize);
  return { header, bases: bases.map((b) => Math.max(b, 0)) };
}

/** Bases learnt by earlier fetches, by path, for as long as the file keeps its inode and size. */
const learnt = new Map<string, { ino: number; size: number; bases: number[] }>();
const MAX_LEARNT = 1024;

/**
 * The bases to fetch `path` with: those just read with its header, the rest from an earlier
 * fetch of the same file (saves a read per fetch from a coarser archive; fetchOpen re-reads a
 * base that no longer finds the points). The array returned is the one fetchOpen updates.
 */
export function learntBases(path: string, ino: number, size: number, fresh: number[]): number[] {
  const known = learnt.get(path);
  if (known === undefined || known.ino !== ino || known.size !== size || known.bases.length !== fresh.length) {
    if (learnt.size >= MAX_LEARNT) learnt.clear();
    learnt.set(path, { ino, size, bases: fresh });
    return fresh;
  }
  for (let i = 0; i < fresh.length; i++) if (fresh[i]) known.bases[i] = fresh[i]!;
  return known.bases;
}

function readBase(file: OpenWhisper, index: number): number {
  readAt(file.fd, file.path, 4, file.header.archives[index]!.offset, 0);
  return (file.bases[index] = uint32At(0));
}

/** The slots [fromInterval, untilInterval) of an archive whose first slot holds `base`, decoded. */
function readSlots(fd: number, path: string, archive: ArchiveInfo, base: number, fromInterval: number, untilInterval: number): { values: (number | null)[]; matched: boolean } {
  const { offset, first, second } = slotBytes(archive, base, fromInterval, untilInterval);
  readAt(fd, path, first, offset, 0);
  if (second > 0) readAt(fd, path, second, archive.offset, first);
  return decodeSlots(scratch, first + second, fromInterval, archive.secondsPerPoint);
}

function readValues(file: OpenWhisper, index: number, base: number, fromInterval: number, untilInterval: number): { values: (number | null)[]; matched: boolean } {
  return readSlots(file.fd, file.path, file.header.archives[index]!, base, fromInterval, untilInterval);
}

/**
 * whisper.py __archive_fetch's reads: the archive's base read afresh, then its slots
 * [fromInterval, untilInterval); null for an archive never written to (base 0).
 */
export function readArchiveSlots(fd: number, path: string, archive: ArchiveInfo, fromInterval: number, untilInterval: number): (number | null)[] | null {
  readAt(fd, path, 4, archive.offset, 0);
  const base = uint32At(0);
  return base === 0 ? null : readSlots(fd, path, archive, base, fromInterval, untilInterval).values;
}

/**
 * whisper.py's fetch(from, until, now, archiveToSelect) on an open file (times already whole
 * seconds). The base timestamp may come from an earlier read: it is either still right or off by
 * whole turns of the ring (every slot in the same place: the same answer), or the file was
 * rewritten with other bases — and then no slot can hold its expected timestamp. So when none
 * matched, the base is read again and, if it changed, the slots too: the answer is always the
 * one a fresh whisper.fetch gives.
 */
export function fetchOpen(file: OpenWhisper, fromTime: number, untilTime: number, now: number, archiveToSelect?: string | number | null): FetchResult | null {
  const choice = chooseArchive(file.header, fromTime, untilTime, now, archiveToSelect);
  if (choice === null) return null;
  const index = choice.index;
  const step = file.header.archives[index]!.secondsPerPoint;
  const [fromInterval, untilInterval] = fetchIntervals(step, choice.fromTime, choice.untilTime);
  const known = file.bases[index]!;
  let base = known || readBase(file, index);
  let result = base === 0 ? null : readValues(file, index, base, fromInterval, untilInterval);
  if (known && !result!.matched) {
    base = readBase(file, index);
    if (base !== known) result = base === 0 ? null : readValues(file, index, base, fromInterval, untilInterval);
  }
  return { timeInfo: [fromInterval, untilInterval, step], values: result ? result.values : emptyValues(fromInterval, untilInterval, step) };
}
