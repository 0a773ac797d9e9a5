/**
 * Runs a fleet's declaration files in a box: a child process
 * (`evaluator-main.ts`) with an empty environment, a heap limit and, per load,
 * a time limit. What comes back is data (`declaration-data.ts`), checked
 * message by message, which the caller validates with the schemas.
 *
 * One evaluator process serves every load of the process that starts it
 * (starting Node and tsx costs about 0.3 s, more than loading the example
 * fleet): it is started on the first load, `unref()`ed while idle so it never
 * keeps this process alive, and replaced after a load it did not finish (time
 * limit, memory, crash, a message that breaks the protocol) or when its heap
 * has grown past half its limit (every load imports fresh modules). Loads
 * queue; each imports its files in a fresh tsx namespace, so a reload sees
 * edited files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { decodeValue } from './declaration-data.ts';
import { DEFAULT_DECLARATION_LIMITS, type DeclarationLimits } from './declaration-limits.ts';
import { MEMORY_MARKER, type EvaluationRequest } from './evaluator-protocol.ts';

/** What one file's import gave. */
export type FileEvaluation =
  /** The file loaded: its default export (rebuilt from data) and the names of its other exports. */
  | { readonly kind: 'loaded'; readonly value: unknown; readonly names: readonly string[] }
  /** The import threw: why, in one line (`syntax error at line 6, column 2: …`). */
  | { readonly kind: 'failed'; readonly reason: string };

/** Why a load stopped before its last file. */
export interface EvaluationStop {
  /** Index of the file that was loading (or had just loaded) when it stopped; undefined before the first. */
  readonly index: number | undefined;
  /** What happened and the fix, as a message of that file. */
  readonly message: string;
}

/** The outcome of one load: one entry per file (undefined for files not reached), and why it stopped early. */
export interface Evaluation {
  readonly files: readonly (FileEvaluation | undefined)[];
  readonly stop?: EvaluationStop;
}

/** Options of `evaluateDeclarations`. */
export interface EvaluateOptions extends DeclarationLimits {
  /** The working directory of the load. */
  readonly cwd: string;
  /** The fleet directory. */
  readonly root: string;
}

/** Longest message line accepted from the evaluator: one file's exports as data. */
export const MAX_MESSAGE_BYTES = 64 * 2 ** 20;

const ENTRY = fileURLToPath(new URL('./evaluator-main.ts', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx's ESM hooks, so the evaluator's own TypeScript loads. */
const TSX_ESM = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

/** Longest the evaluator may take to start (Node and tsx), apart from the fleet's time. */
const STARTUP_SECONDS = 60;

const seconds = (s: number) => `${s} s`;

function timeoutMessage(limits: DeclarationLimits): string {
  return `did not finish loading within ${seconds(limits.timeoutSeconds)} (modelfleet:declarations.timeoutSeconds, the time the whole fleet may take); a declaration must compute its values and return: look for a loop that never ends or a wait that never resolves, or raise the limit in the stack`;
}

function memoryMessage(limits: DeclarationLimits): string {
  return `ran out of memory while loading: the declarations may use ${limits.memoryMb} MiB (modelfleet:declarations.memoryMb); look for a loop that keeps adding data, or raise the limit in the stack`;
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** One evaluator child process and the load it is running. */
class EvaluatorProcess {
  readonly memoryMb: number;
  private readonly child: ChildProcess;
  private readonly answers: Readable;
  private readonly requests: Writable;
  private stderrTail = '';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Receives each parsed message line, or the reason the process can no longer answer. */
  private listener?: (event: { message?: unknown; failure?: 'exit' | 'too-big' | 'not-json' | 'spawn'; detail?: string }) => void;
  private gone = false;
  private exitDetail = '';
  private readyState: 'starting' | 'ready' | 'failed' = 'starting';
  private readyWaiters: ((ok: boolean) => void)[] = [];
  private nextId = 0;

  constructor(memoryMb: number) {
    this.memoryMb = memoryMb;
    // An empty environment: no secrets, no NODE_OPTIONS. Node and tsx need no variable (tsx
    // caches under os.tmpdir(), which falls back to /tmp without TMPDIR). The heap is limited; the
    // stack keeps V8's default, which turns deep recursion into a RangeError explained like any
    // throw (a larger --stack-size could overflow the thread's native stack and crash instead).
    this.child = spawn(process.execPath, [`--max-old-space-size=${memoryMb}`, '--import', TSX_ESM, ENTRY], {
      cwd: PACKAGE_ROOT,
      env: {},
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout kills what a declaration started too (and tsx's esbuild).
      detached: true,
    });
    this.requests = this.child.stdin!;
    this.answers = this.child.stdio[3] as Readable;
    const stderr = this.child.stderr!;
    for (const stream of [this.requests, this.answers, stderr]) stream.on('error', () => undefined);
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-16_384);
    });
    this.answers.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.on('error', (error) => this.end('spawn', error.message));
    this.child.on('exit', (code, signal) => {
      // Give stderr a moment to deliver what the process printed last (the out-of-memory report).
      const finish = () => this.end('exit', exitDescription(code, signal));
      if (stderr.readableEnded) finish();
      else {
        const timer = setTimeout(finish, 500);
        stderr.once('end', () => {
          clearTimeout(timer);
          finish();
        });
      }
    });
    this.idle();
  }

  /** Whether the process is still usable. */
  get alive(): boolean {
    return !this.gone && this.readyState !== 'failed';
  }

  /** Keeps this process alive while a load runs. */
  private busy(): void {
    this.child.ref();
    (this.answers as unknown as { ref?: () => void }).ref?.();
    (this.child.stderr as unknown as { ref?: () => void }).ref?.();
  }

  /** Lets this process exit while the evaluator waits for work. */
  private idle(): void {
    this.child.unref();
    (this.answers as unknown as { unref?: () => void }).unref?.();
    (this.child.stderr as unknown as { unref?: () => void }).unref?.();
    (this.requests as unknown as { unref?: () => void }).unref?.();
  }

  private receive(chunk: Buffer): void {
    if (this.gone) return; // killed for what it sent: the rest is not read
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        this.deliver({ failure: 'not-json' });
        return;
      }
      if (message !== null && typeof message === 'object' && (message as { t?: unknown }).t === 'ready' && this.readyState === 'starting') {
        this.readyState = 'ready';
        for (const w of this.readyWaiters.splice(0)) w(true);
        continue;
      }
      this.deliver({ message });
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > MAX_MESSAGE_BYTES) {
        this.pending = [];
        this.deliver({ failure: 'too-big' });
      }
    }
  }

  private deliver(event: Parameters<NonNullable<EvaluatorProcess['listener']>>[0]): void {
    if (this.listener) this.listener(event);
    else if (event.failure || event.message !== undefined) this.kill(); // nothing is loading: whatever came is not an answer
  }

  private end(failure: 'exit' | 'spawn', detail: string): void {
    if (this.gone) return;
    this.gone = true;
    this.exitDetail = detail;
    if (this.readyState === 'starting') this.readyState = 'failed';
    for (const w of this.readyWaiters.splice(0)) w(false);
    this.listener?.({ failure, detail });
  }

  /** Ends the process and everything it started. */
  kill(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
    this.gone = true;
  }

  /** Asks the process to exit once it is idle (its heap has grown). */
  retire(): void {
    this.gone = true;
    this.requests.end();
  }

  /** Runs one load. */
  async run(paths: readonly string[], options: EvaluateOptions): Promise<Evaluation & { heapBytes?: number }> {
    this.busy();
    try {
      return await this.runBusy(paths, options);
    } finally {
      this.listener = undefined;
      this.idle();
    }
  }

  private async runBusy(paths: readonly string[], options: EvaluateOptions): Promise<Evaluation & { heapBytes?: number }> {
    const files: (FileEvaluation | undefined)[] = paths.map(() => undefined);
    const limits = { timeoutSeconds: options.timeoutSeconds, memoryMb: options.memoryMb };
    const id = this.nextId++;
    let announced: number | undefined;
    let loading: number | undefined;
    let next = 0;
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (stop?: Omit<EvaluationStop, 'index'>, heapBytes?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(startup);
        if (stop) this.kill();
        resolve({ files, ...(stop ? { stop: { index: announced, ...stop } } : {}), ...(heapBytes !== undefined ? { heapBytes } : {}) });
      };
      const broken = (what: string) =>
        finish({ message: `the declaration evaluator sent ${what} while loading this file; a declaration must not write to the evaluator's channel (fd 3)` });
      const startup = setTimeout(() => finish({ message: `could not start the declaration evaluator within ${seconds(STARTUP_SECONDS)}; check that node can run tsx (npm ci)` }), STARTUP_SECONDS * 1000);
      const failed = (failure: string, detail = '') => {
        if (failure === 'too-big') return broken(`a message larger than ${MAX_MESSAGE_BYTES / 2 ** 20} MiB`);
        if (failure === 'not-json') return broken('a line that is not JSON');
        if (this.stderrTail.includes(MEMORY_MARKER) || /heap out of memory|Reached heap limit|Allocation failed/.test(this.stderrTail)) {
          return finish({ message: memoryMessage(limits) });
        }
        if (failure === 'spawn' || announced === undefined) {
          const last = this.stderrTail.trim().split('\n').filter((l) => /\S/.test(l)).at(-1)?.trim().slice(0, 300);
          return finish({ message: `could not start the declaration evaluator (it ${detail}${last ? `: ${last}` : ''}); check that node can run tsx (npm ci)` });
        }
        return finish({
          message: `ended the declaration evaluator while loading (it ${detail}); a declaration must not end its process: look for process.exit(), process.kill() or process.abort(), and for an error thrown in a timer or a rejected promise nobody awaits`,
        });
      };
      this.listener = (event) => {
        if (event.failure) return failed(event.failure, event.detail);
        const m = event.message as Record<string, unknown> | null;
        if (m === null || typeof m !== 'object' || Array.isArray(m) || m.id !== id) return broken('a message that is not an answer to the current load');
        if (m.t === 'file' && loading === undefined && m.i === next && next < paths.length) {
          announced = loading = next;
          return;
        }
        if (m.t === 'result' && loading !== undefined && m.i === loading) {
          const file = parseResult(m);
          if (!file) return broken('a result that is not one');
          files[loading] = file;
          loading = undefined;
          next++;
          return;
        }
        if (m.t === 'done' && loading === undefined && next === paths.length && typeof m.heapBytes === 'number') return finish(undefined, m.heapBytes);
        return broken(`an unexpected message (${JSON.stringify(String(m.t)).slice(0, 40)})`);
      };
      if (this.gone) return failed('exit', this.exitDetail);
      const request: EvaluationRequest = { id, cwd: options.cwd, root: options.root, files: paths, maxMessageBytes: MAX_MESSAGE_BYTES };
      void this.whenReady().then((ok) => {
        if (!ok || settled) return;
        // The fleet's time starts when the evaluator has the request, not while Node starts.
        clearTimeout(startup);
        timer = setTimeout(() => finish({ message: timeoutMessage(limits) }), options.timeoutSeconds * 1000);
        this.requests.write(`${JSON.stringify(request)}\n`);
      });
    });
  }

  private whenReady(): Promise<boolean> {
    if (this.readyState !== 'starting') return Promise.resolve(this.readyState === 'ready');
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }
}

/** A result message as a file's evaluation, or undefined when it is malformed. */
function parseResult(m: Record<string, unknown>): FileEvaluation | undefined {
  if (m.ok === false) {
    // One line: it becomes the end of a `FILE: -: failed to load: …` line, and must not start another.
    return typeof m.reason === 'string' && !m.reason.includes('\n') ? { kind: 'failed', reason: m.reason } : undefined;
  }
  if (m.ok !== true || !Array.isArray(m.names) || !m.names.every((n) => typeof n === 'string' && !n.includes('\n'))) return undefined;
  try {
    return { kind: 'loaded', value: decodeValue(m.d), names: m.names as string[] };
  } catch {
    return undefined;
  }
}

let current: EvaluatorProcess | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Starts the evaluator before the first load, so that its Node and tsx start
 * while the caller still imports its own modules (`modelfleet check`). The
 * process is unref'd while idle, so it never keeps the caller alive; a load
 * with another memory limit replaces it, and one that failed to start is
 * started again by the load.
 */
export function startDeclarationEvaluator(memoryMb: number = DEFAULT_DECLARATION_LIMITS.memoryMb): void {
  if (current?.alive) return;
  try {
    current = new EvaluatorProcess(memoryMb);
  } catch {
    current = undefined; // the first load tries again and reports why
  }
}

/**
 * Imports `files` in the evaluator, in order, and returns what each gave.
 * Never throws: a load that cannot finish returns a `stop` naming the file.
 * Loads of one process run one at a time.
 */
export function evaluateDeclarations(files: readonly string[], options: EvaluateOptions): Promise<Evaluation> {
  if (files.length === 0) return Promise.resolve({ files: [] });
  const run = queue.then(async (): Promise<Evaluation> => {
    if (!current || !current.alive || current.memoryMb !== options.memoryMb) {
      current?.retire();
      try {
        current = new EvaluatorProcess(options.memoryMb);
      } catch (error) {
        current = undefined;
        return { files: files.map(() => undefined), stop: { index: undefined, message: `could not start the declaration evaluator (${error instanceof Error ? error.message : String(error)}); check that node can run tsx (npm ci)` } };
      }
    }
    const evaluator = current;
    const { heapBytes, ...evaluation } = await evaluator.run(files, options);
    if (evaluation.stop || (heapBytes ?? 0) > (options.memoryMb * 2 ** 20) / 2) {
      if (evaluation.stop) evaluator.kill();
      else evaluator.retire();
      if (current === evaluator) current = undefined;
    }
    return evaluation;
  });
  queue = run.catch(() => undefined);
  return run;
}
