// Creating a metric's Whisper file for the store writer: the archives, xFilesFactor and method
// the storage rules select for the name, planned once per (schema, aggregation) pair, written
// under a temporary name and linked into place (lib/whisper/create.ts), so a crash never leaves
// an empty or header-less .wsp.
import fs from 'node:fs';
import path from 'node:path';
import { selectStorage, type StorageRules } from '../config/storage-rules.js';
import { createSync, planCreate, type CreatePlan } from '../whisper/create.js';

export class FileMaker {
  private rules: StorageRules;
  private plans = new Map<string, CreatePlan>();

  constructor(
    rules: StorageRules,
    /** Sparse files (the same bytes, disk used as archives fill). */
    private readonly sparse: boolean,
    /** fsync new files before linking them into place. */
    private readonly durable: boolean,
  ) {
    this.rules = rules;
  }

  /** New storage rules (SIGHUP): only files created from now on use them. */
  setRules(rules: StorageRules): void {
    this.rules = rules;
    this.plans = new Map();
  }

  /** Creates `file` for metric `name`; false when someone else created it meanwhile (theirs is used). */
  create(name: string, file: string): boolean {
    const selection = selectStorage(this.rules, name);
    const key = `${selection.schema}\0${selection.aggregation}`;
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = planCreate(selection.archives, {
        xFilesFactor: selection.xFilesFactor,
        aggregationMethod: selection.aggregationMethod,
        sparse: this.sparse,
        durable: this.durable,
      });
      this.plans.set(key, plan);
    }
    try {
      return createSync(file, plan);
    } catch (err) {
      // The directory is made when the first file in it is (not remembered per directory: with
      // 100,000 metrics that would be 100,000 paths kept in memory to save one failed open each).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return createSync(file, plan);
    }
  }
}
