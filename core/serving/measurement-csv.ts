/**
 * The CSV files Triton's measurement tools write (perf_analyzer's `-f`
 * report, Model Analyzer's `metrics-model-inference.csv`), read as a header
 * and rows that remember their line, and the measurement a row yields.
 *
 * Both tools write plain RFC 4180 CSV: comma-separated, a header line, cells
 * quoted with `"` when they hold a comma (Model Analyzer's multi-model and
 * ensemble rows), `""` for a quote inside a quoted cell. Pure: no I/O.
 */

/** One data row of a CSV file. */
export interface CsvRow {
  /** 1-based line the row starts on, as an editor shows it. */
  readonly line: number;
  /** The cells, trimmed, in header order (a row may have more or fewer cells than the header). */
  readonly cells: readonly string[];
}

/** A CSV file: its header cells and its data rows (blank lines skipped). */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

/** Why a text is not CSV, with the line the problem is on. */
export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

/** Where a latency comes from. */
export type LatencyMeasure =
  /** Server-side compute (input + infer + output) of one request: the execution of one batch. */
  | 'server-compute'
  /** The client's average request latency, derived from throughput (includes network and client time). */
  | 'client-average';

/** One batch size's latency, read from one row of one file. */
export interface Measurement {
  /** The file, as messages show it. */
  readonly file: string;
  /** The line of the row the latency comes from. */
  readonly line: number;
  /** Batch size (perf_analyzer's `-b`). */
  readonly batch: number;
  /** Milliseconds one batch takes, as measured (not rounded). */
  readonly measuredMs: number;
  /** Which figure `measuredMs` is. */
  readonly measure: LatencyMeasure;
  /** Model Analyzer's model config (`Model Config Path`) the row measured. @default - none (perf_analyzer) */
  readonly modelConfig?: string;
}

/**
 * Reads CSV text into a header and rows, or says why it cannot.
 *
 * A byte-order mark and `\r\n` line ends are accepted; cells are trimmed;
 * blank lines (and the blank line Model Analyzer ends its files with) are
 * skipped.
 */
export function parseCsv(text: string): { readonly table: CsvTable } | { readonly problem: CsvProblem } {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let cellWasQuoted = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endCell = () => {
    cells.push(cellWasQuoted ? cell : cell.trim());
    cell = '';
    cellWasQuoted = false;
  };
  const endRecord = () => {
    endCell();
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: recordLine, cells });
    cells = [];
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cellWasQuoted = true;
      quoteLine = line;
      cell = '';
    } else if (ch === ',') endCell();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else cell += ch;
  }
  if (quoted) return { problem: { line: quoteLine, message: 'a quoted cell is never closed (a `"` is missing)' } };
  endRecord();
  const [head, ...rows] = records;
  if (!head) return { problem: { line: 1, message: 'the file is empty' } };
  return { table: { header: head.cells, rows } };
}

/** A plain decimal number as the tools print it (`12`, `69.2`, `1.23457e+06`). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a cell holds, or `undefined` when it holds none (empty, text, `nan`, `inf`). */
export function cellNumber(cell: string | undefined): number | undefined {
  if (cell === undefined || !NUMBER.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** Lists names for a message: `a, b and c`. */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The rows at concurrency 1, and every concurrency level seen; a row whose
 * concurrency cell is not a number is reported through `issue` (on field
 * `Concurrency`, with its line) and skipped.
 */
export function rowsAtConcurrencyOne(
  rows: readonly CsvRow[],
  concurrencyAt: number,
  issue: (path: readonly string[], message: string) => void,
): { readonly atOne: CsvRow[]; readonly levels: ReadonlySet<string> } {
  const atOne: CsvRow[] = [];
  const levels = new Set<string>();
  for (const row of rows) {
    const cell = row.cells[concurrencyAt];
    const level = cellNumber(cell);
    if (level === undefined) {
      issue(['Concurrency'], `line ${row.line}: expected a concurrency (a whole number), got ${JSON.stringify(cell ?? '')}`);
      continue;
    }
    levels.add(String(level));
    if (level === 1) atOne.push(row);
  }
  return { atOne, levels };
}
