/**
 * The declaration evaluator: the child process that runs a fleet's
 * declaration files, so that their code never runs in the process that holds
 * the environment (CI secrets, cloud credentials).
 *
 * Started by `declaration-evaluator.ts` as
 * `node --max-old-space-size=<memoryMb> --import tsx/esm evaluator-main.ts`
 * with an empty environment, in a process group of its own. It reads requests,
 * one JSON line each, on stdin: `{ id, cwd, root, files, maxMessageBytes }`.
 * For each request it imports the files one after the other in a fresh tsx
 * namespace (so a later request sees edited files) and answers on fd 3, one
 * JSON line per message:
 *
 * - `{ t: 'ready' }` once, when it can take requests;
 * - `{ t: 'file', id, i }` before it imports `files[i]`, so that a file that
 *   never returns, exhausts memory or ends the process is known;
 * - `{ t: 'result', id, i, ok: true, names, d }`: the named exports and the
 *   default export as data (`declaration-data.ts`), or
 *   `{ t: 'result', id, i, ok: false, reason }`: why the import failed, as
 *   `explainLoadFailure` words it;
 * - `{ t: 'done', id, heapBytes }` after the last file.
 *
 * A watchdog thread kills the process group when the parent is gone (a
 * declaration stuck in a loop would otherwise outlive it) or when the whole
 * process outgrows its memory (buffers live outside the JavaScript heap that
 * `--max-old-space-size` limits). It exits when stdin closes.
 */
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import { DeclarationDataLimitError, encodeValue } from './declaration-data.ts';
import { MEMORY_MARKER, type EvaluationRequest } from './evaluator-protocol.ts';
import { explainLoadFailure } from './explain-load-failure.ts';

/** Bytes beyond the heap limit the whole process may use (code, stacks, young generation, buffers). */
const PROCESS_MEMORY_SLACK_BYTES = 512 * 2 ** 20;

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const kill = () => {
  try { process.kill(-process.pid, 'SIGKILL'); } catch {}
  process.kill(process.pid, 'SIGKILL');
};
setInterval(() => {
  if (process.ppid !== workerData.parent) kill();
  if (process.memoryUsage.rss() > workerData.rssLimitBytes) {
    try { writeSync(2, '\\n' + workerData.marker + '\\n'); } catch {}
    kill();
  }
}, 100);
`;

/**
 * The tsx namespace of modelfleet's own modules (`import … from 'modelfleet'`):
 * loaded once and shared by every load, while the fleet's files get a fresh
 * namespace per load. Re-evaluating the library and zod for every load would
 * cost more than loading the files themselves.
 */
const LIBRARY_NAMESPACE = 'modelfleet-library';

/**
 * A resolve hook that puts the package (`modelfleet`, resolved as Node
 * resolves it: the self-reference of the package around the fleet) in the
 * library's namespace. It runs after the namespaces' own hooks, which keep a
 * namespace a resolved URL already has.
 */
const LIBRARY_HOOK = `
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if ((specifier === 'modelfleet' || specifier.startsWith('modelfleet/')) && result.url.startsWith('file:')) {
    const url = new URL(result.url);
    url.searchParams.set('tsx-namespace', ${JSON.stringify(LIBRARY_NAMESPACE)});
    return { ...result, url: url.href };
  }
  return result;
}
`;

/** Writes one message to the parent, whole, before anything else runs. */
function send(message: Record<string, unknown> | string): void {
  const bytes = Buffer.from(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(3, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** The exports of one imported file as a message line, or why they cannot be sent. */
function exportsMessage(module: Record<string, unknown>, head: Record<string, unknown>, absFile: string, request: EvaluationRequest): Record<string, unknown> | string {
  try {
    const names = Object.keys(module).filter((k) => k !== 'default');
    const line = JSON.stringify({ ...head, ok: true, names, d: encodeValue(module.default) });
    const bytes = Buffer.byteLength(line);
    if (bytes < request.maxMessageBytes) return line;
    return { ...head, ok: false, reason: `its exports come to ${(bytes / 2 ** 20).toFixed(0)} MiB of data, more than the ${(request.maxMessageBytes / 2 ** 20).toFixed(0)} MiB a file may export; declare models, not data sets` };
  } catch (error) {
    if (error instanceof DeclarationDataLimitError) return { ...head, ok: false, reason: `it ${error.message}; declare models, not data sets` };
    return { ...head, ok: false, reason: explainLoadFailure(error, absFile, request.root, request.cwd) };
  }
}

async function evaluate(request: EvaluationRequest): Promise<void> {
  try {
    process.chdir(request.cwd);
  } catch {
    // The working directory only matters to files that read relative paths.
  }
  const namespace = register({ namespace: randomUUID() });
  try {
    for (const [i, file] of request.files.entries()) {
      const head = { t: 'result', id: request.id, i };
      send({ t: 'file', id: request.id, i });
      let module: Record<string, unknown>;
      try {
        module = (await namespace.import(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
      } catch (error) {
        send({ ...head, ok: false, reason: explainLoadFailure(error, file, request.root, request.cwd) });
        continue;
      }
      send(exportsMessage(module, head, file, request));
    }
  } finally {
    await namespace.unregister();
  }
  send({ t: 'done', id: request.id, heapBytes: process.memoryUsage().heapUsed });
}

new Worker(WATCHDOG, {
  eval: true,
  // The heap limit that --max-old-space-size set, plus the rest of the process.
  workerData: { parent: process.ppid, rssLimitBytes: getHeapStatistics().heap_size_limit + PROCESS_MEMORY_SLACK_BYTES, marker: MEMORY_MARKER },
}).unref();

// Registered before any namespace, so that it runs after theirs; the library's namespace is never unregistered.
registerHooks(`data:text/javascript,${encodeURIComponent(LIBRARY_HOOK)}`);
const library = register({ namespace: LIBRARY_NAMESPACE });

// The library is loaded before the first request (it costs more than a small fleet's files): the
// fleet's `import … from 'modelfleet'` resolves to the same module when the fleet is in this package
// or has it as a dependency, and finds it loaded. A failure here is no error: a load that needs the
// library reports why it cannot have it.
const libraryLoaded = library.import('modelfleet', import.meta.url).then(
  () => undefined,
  () => undefined,
);

let queue: Promise<void> = libraryLoaded;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const request = JSON.parse(line) as EvaluationRequest;
  queue = queue.then(() => evaluate(request));
});
lines.on('close', () => {
  void queue.finally(() => process.exit(0));
});
await libraryLoaded;
send({ t: 'ready' });
