// Named dashboards: the web page's whole state saved as one JSON file per name under
// <dataDir>/.dashboards/, written atomically (temp file + fsync + rename), so a crash never leaves
// half a dashboard behind. The directory is hidden because every other directory under the data
// directory is a branch of the metric namespace: `dashboards/` would show up in the tree (and
// collide with a carbon client's `dashboards.*` metrics); hidden entries are never metrics.
//
//   GET    /api/dashboards          → {"dashboards": [{"name": "ops", "author": "ann", "updated": "2025-…Z"}]}
//   GET    /api/dashboards/ops      → {"name": "ops", "author": "ann", "updated": "…", "state": {…}}
//   PUT    /api/dashboards/ops      {"author": "ann", "state": {…}}          → 201 created / 200 replaced
//   POST   /api/dashboards          {"name": "ops", "author": "ann", "state": {…}} → 201, or 409 if taken
//   DELETE /api/dashboards/ops      → 204
//
// Errors are JSON: {"error": "…"} with 400 (bad name or body), 404 (no such dashboard), 409, 413.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface DashboardRoutesOptions {
  /** The data directory; dashboards live in `<dataDir>/.dashboards/`. */
  dataDir: string;
}

/** What a saved dashboard file holds. `state` is the page state (graphs, time range), opaque here beyond a shape check. */
export interface Dashboard {
  name: string;
  author: string | null;
  updated: string;
  state: Record<string, unknown>;
}

/** Under the data directory; hidden, so it is never taken for a metric branch. */
export const DASHBOARD_DIR = '.dashboards';
const MAX_NAME = 100;
const MAX_AUTHOR = 100;
const MAX_BODY = '256kb';
// Letters and digits of any script, then also space, `_`, `.` and `-`; no leading or trailing
// space/dot. This rules out `/`, `\`, NUL, `..` as a whole name and dotfiles (our temp files).
const NAME_RE = /^[\p{L}\p{N}](?:[\p{L}\p{N} _.-]*[\p{L}\p{N}_-])?$/u;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Returns the normalised name, or throws a 400 saying what is wrong with it. */
export function validateDashboardName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new HttpError(400, 'dashboard name is missing');
  const name = raw.normalize('NFC');
  if (name.length > MAX_NAME) throw new HttpError(400, `dashboard name is longer than ${MAX_NAME} characters`);
  if (!NAME_RE.test(name)) {
    throw new HttpError(400, `bad dashboard name ${JSON.stringify(name)}: use letters, digits, space, "_", "." and "-", starting and ending with a letter or digit`);
  }
  return name;
}

/** Checks the body of a save and returns the author and state to store. */
export function validateDashboardBody(body: unknown): { author: string | null; state: Record<string, unknown> } {
  if (!isPlainObject(body)) throw new HttpError(400, 'expected a JSON object body (Content-Type: application/json) with a "state" object');
  const { author, state } = body;
  let cleanAuthor: string | null = null;
  if (author !== undefined && author !== null && author !== '') {
    if (typeof author !== 'string') throw new HttpError(400, '"author" must be a string');
    const trimmed = author.trim();
    if (trimmed.length > MAX_AUTHOR) throw new HttpError(400, `"author" is longer than ${MAX_AUTHOR} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new HttpError(400, '"author" contains control characters');
    cleanAuthor = trimmed || null;
  }
  if (!isPlainObject(state)) throw new HttpError(400, '"state" must be an object (the page state: {"from", "until", "graphs": [{"targets": […]}]})');
  const graphs = state.graphs;
  if (graphs !== undefined) {
    if (!Array.isArray(graphs)) throw new HttpError(400, '"state.graphs" must be an array');
    graphs.forEach((graph, i) => {
      if (!isPlainObject(graph)) throw new HttpError(400, `"state.graphs[${i}]" must be an object`);
      const targets = graph.targets;
      if (!Array.isArray(targets) || !targets.every((x) => typeof x === 'string')) {
        throw new HttpError(400, `"state.graphs[${i}].targets" must be an array of strings`);
      }
    });
  }
  return { author: cleanAuthor, state };
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** File I/O for the dashboards directory; every path it touches comes from a validated name. */
class DashboardStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, DASHBOARD_DIR);
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  async list(): Promise<Array<Omit<Dashboard, 'state'> & { error?: string }>> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const names = entries
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((n) => NAME_RE.test(n))
      .sort();
    return Promise.all(
      names.map(async (name) => {
        try {
          const { author, updated } = await this.read(name);
          return { name, author, updated };
        } catch (err) {
          // One unreadable file must not hide the others; say what is wrong with it.
          return { name, author: null, updated: '', error: (err as Error).message };
        }
      }),
    );
  }

  async read(name: string): Promise<Dashboard> {
    let text: string;
    try {
      text = await readFile(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HttpError(404, `no dashboard named ${JSON.stringify(name)}`);
      throw err;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new HttpError(500, `dashboard file ${name}.json is not valid JSON`);
    }
    if (!isPlainObject(doc) || !isPlainObject(doc.state)) throw new HttpError(500, `dashboard file ${name}.json has no "state" object`);
    return {
      name,
      author: typeof doc.author === 'string' ? doc.author : null,
      updated: typeof doc.updated === 'string' ? doc.updated : '',
      state: doc.state,
    };
  }

  /** Writes atomically. With `exclusive`, fails with 409 instead of replacing an existing dashboard. Returns true if created. */
  async write(doc: Dashboard, exclusive: boolean): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    const target = this.file(doc.name);
    const tmp = join(this.dir, `.${doc.name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(`${JSON.stringify(doc, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      if (exclusive) {
        // link() fails with EEXIST when the name is taken: create-if-absent without a race.
        try {
          await link(tmp, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new HttpError(409, `a dashboard named ${JSON.stringify(doc.name)} already exists`);
          throw err;
        }
        await this.syncDir();
        return true;
      }
      const existed = await this.exists(doc.name);
      await rename(tmp, target);
      await this.syncDir();
      return !existed;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await unlink(this.file(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HttpError(404, `no dashboard named ${JSON.stringify(name)}`);
      throw err;
    }
    await this.syncDir();
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await (await open(this.file(name), 'r')).close();
      return true;
    } catch {
      return false;
    }
  }

  /** fsync the directory so the rename itself survives a power cut. */
  private async syncDir(): Promise<void> {
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}

export function dashboardRoutes(options: DashboardRoutesOptions): Router {
  const store = new DashboardStore(options.dataDir);
  const router = Router();
  const json = express.json({ limit: MAX_BODY });
  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  router.use('/api/dashboards', noStore);

  router.get('/api/dashboards', async (_req, res) => {
    res.json({ dashboards: await store.list() });
  });

  router.get('/api/dashboards/:name', async (req, res) => {
    res.json(await store.read(validateDashboardName(req.params.name)));
  });

  router.put('/api/dashboards/:name', json, async (req, res) => {
    const name = validateDashboardName(req.params.name);
    const { author, state } = validateDashboardBody(req.body);
    const doc: Dashboard = { name, author, updated: new Date().toISOString(), state };
    const created = await store.write(doc, false);
    res.status(created ? 201 : 200).json(doc);
  });

  router.post('/api/dashboards', json, async (req, res) => {
    const body: unknown = req.body;
    const name = validateDashboardName(isPlainObject(body) ? body.name : undefined);
    const { author, state } = validateDashboardBody(body);
    const doc: Dashboard = { name, author, updated: new Date().toISOString(), state };
    await store.write(doc, true);
    res.status(201).json(doc);
  });

  router.delete('/api/dashboards/:name', async (req, res) => {
    await store.remove(validateDashboardName(req.params.name));
    res.status(204).end();
  });

  // Errors of this router answer as JSON here instead of falling through to an HTML page.
  router.use('/api/dashboards', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
    let status = e instanceof HttpError ? e.status : (e.status ?? e.statusCode ?? 500);
    let message = e.message ?? 'internal error';
    if (e.type === 'entity.parse.failed') message = `request body is not valid JSON: ${message}`;
    else if (e.type === 'entity.too.large') message = `request body is larger than ${MAX_BODY}`;
    else if (!(e instanceof HttpError) && status >= 500) {
      // Unexpected I/O trouble: say what failed without a stack.
      status = 500;
      message = `could not access the dashboards directory: ${message}`;
    }
    res.status(status).json({ error: message });
  });
  return router;
}
