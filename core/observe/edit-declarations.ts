/**
 * `observe --write`: applies declaration changes to the source text of a
 * model file with the TypeScript compiler API, editing only the numbers it
 * changes (and inserting a property where none exists), so comments,
 * formatting and every other line stay as the team wrote them.
 *
 * Handled shapes: `defineModel({...})` calls (one per file, or several in an
 * exported array, told apart by their `name`); `tenants` as an object literal
 * (entries may be spread in: a tenant without an entry of its own gets one
 * after the spreads, carrying its resolved overrides), as an array literal of
 * names (rewritten as an object) or as any other expression of a name list
 * (spread into an object). What cannot be edited safely (a computed `profile`
 * block, say) is reported, not guessed.
 *
 * Pure: text in, text out. `typescript` is passed in so that only `--write`
 * loads it.
 */
import type * as TS from 'typescript';
import type { DeclarationChange } from './copy-findings.ts';

/** The result of editing one file. */
export interface FileEdit {
  /** The new text (the old one when nothing could be applied). */
  readonly text: string;
  /** Changes applied, in order. */
  readonly applied: readonly DeclarationChange[];
  /** Changes not applied, each with the reason and what to do by hand. */
  readonly skipped: readonly { readonly change: DeclarationChange; readonly reason: string }[];
}

type Edit = { readonly start: number; readonly end: number; readonly text: string };

/** `name` as a property key: bare when it is an identifier, otherwise quoted with `quote`. */
function propertyKey(name: string, quote: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) || /^(0|[1-9][0-9]*)$/.test(name) ? name : `${quote}${name}${quote}`;
}

/** Applies `changes` (all of one file) to `text`. */
export function editDeclarationFile(ts: typeof TS, fileName: string, text: string, changes: readonly DeclarationChange[]): FileEdit {
  let current = text;
  const applied: DeclarationChange[] = [];
  const skipped: { change: DeclarationChange; reason: string }[] = [];
  // One change at a time, re-parsing in between: files are small, and each edit sees the text the previous left.
  for (const change of changes) {
    const sf = ts.createSourceFile(fileName, current, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const quote = preferredQuote(ts, sf);
    const edits: Edit[] = [];
    const reason = planEdit(ts, sf, change, quote, edits);
    if (reason !== undefined) {
      skipped.push({ change, reason });
      continue;
    }
    let next = current;
    for (const e of [...edits].sort((a, b) => b.start - a.start)) next = next.slice(0, e.start) + e.text + next.slice(e.end);
    const check = ts.createSourceFile(fileName, next, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS) as TS.SourceFile & { parseDiagnostics?: readonly TS.Diagnostic[] };
    if (check.parseDiagnostics?.length) {
      skipped.push({ change, reason: `the edit would not parse (${ts.flattenDiagnosticMessageText(check.parseDiagnostics[0]!.messageText, ' ')}); a bug in modelfleet, please report it` });
      continue;
    }
    current = next;
    applied.push(change);
  }
  return { text: current, applied, skipped };
}

/** The quote the file's string literals mostly use. */
function preferredQuote(ts: typeof TS, sf: TS.SourceFile): string {
  let single = 0;
  let double = 0;
  const visit = (n: TS.Node) => {
    if (ts.isStringLiteral(n)) {
      if (sf.text[n.getStart(sf)] === '"') double++;
      else single++;
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return double > single ? '"' : "'";
}

/** The name of a property as written (`name`, `'gpu-l4'`, `1`). */
function nameOf(ts: typeof TS, name: TS.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

/** The last `name: …` assignment of an object literal (a later one wins in JavaScript). */
function property(ts: typeof TS, obj: TS.ObjectLiteralExpression, name: string): TS.PropertyAssignment | undefined {
  let found: TS.PropertyAssignment | undefined;
  for (const p of obj.properties) if (ts.isPropertyAssignment(p) && nameOf(ts, p.name) === name) found = p;
  return found;
}

/** Strips parentheses and `as`/`satisfies` wrappers. */
function unwrap(ts: typeof TS, e: TS.Expression): TS.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

/** The object literal of the model named `model`. */
function modelObject(ts: typeof TS, sf: TS.SourceFile, model: string): TS.ObjectLiteralExpression | string {
  const all: TS.ObjectLiteralExpression[] = [];
  const visit = (n: TS.Node) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'defineModel' && n.arguments[0]) {
      const arg = unwrap(ts, n.arguments[0]);
      if (ts.isObjectLiteralExpression(arg)) all.push(arg);
    }
    n.forEachChild(visit);
  };
  visit(sf);
  const named = all.filter((o) => {
    const p = property(ts, o, 'name');
    return p && ts.isStringLiteralLike(unwrap(ts, p.initializer)) && (unwrap(ts, p.initializer) as TS.StringLiteral).text === model;
  });
  if (named.length === 1) return named[0]!;
  if (all.length === 1) return all[0]!;
  return `cannot find the defineModel({ name: '${model}', … }) call in the file`;
}

/** Inserts `text` (one `key: value` property) as the last property of `obj`, in the object's own layout. */
function insertProperty(ts: typeof TS, sf: TS.SourceFile, obj: TS.ObjectLiteralExpression, text: string, edits: Edit[]): void {
  const props = obj.properties;
  if (props.length === 0) {
    edits.push({ start: obj.getStart(sf), end: obj.getEnd(), text: `{ ${text} }` });
    return;
  }
  const last = props[props.length - 1]!;
  const src = sf.text;
  const objLine = sf.getLineAndCharacterOfPosition(obj.getStart(sf)).line;
  const lastLine = sf.getLineAndCharacterOfPosition(last.getStart(sf)).line;
  if (objLine === lastLine) {
    edits.push({ start: last.getEnd(), end: last.getEnd(), text: `, ${text}` });
    return;
  }
  const lineStart = src.lastIndexOf('\n', last.getStart(sf) - 1) + 1;
  const indent = /^[ \t]*/.exec(src.slice(lineStart))![0];
  let at = last.getEnd();
  if (props.hasTrailingComma) at = src.indexOf(',', at) + 1;
  // Keep a comment that ends the last property's line on that line.
  const eol = src.indexOf('\n', at);
  const lineRest = src.slice(at, eol < 0 ? src.length : eol);
  const insertAt = /^\s*(\/\/.*|\/\*.*\*\/\s*)?$/.test(lineRest) ? (eol < 0 ? src.length : eol) : at;
  if (props.hasTrailingComma) {
    edits.push({ start: insertAt, end: insertAt, text: `\n${indent}${text},` });
  } else {
    // One edit from the end of the last property to the insertion point: a comma, what was between, the property.
    edits.push({ start: last.getEnd(), end: insertAt, text: `,${src.slice(last.getEnd(), insertAt)}\n${indent}${text}` });
  }
}

/** Sets `obj[name]` to `value` (source text): replaces the initializer, or adds the property. */
function setProperty(ts: typeof TS, sf: TS.SourceFile, obj: TS.ObjectLiteralExpression, name: string, value: string, quote: string, edits: Edit[]): void {
  const p = property(ts, obj, name);
  if (p) edits.push({ start: p.initializer.getStart(sf), end: p.initializer.getEnd(), text: value });
  else insertProperty(ts, sf, obj, `${propertyKey(name, quote)}: ${value}`, edits);
}

/** A number as declarations write it (`520`, `3.4`). */
function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** Works out the edits of one change; returns why it cannot be made, or `undefined`. */
function planEdit(ts: typeof TS, sf: TS.SourceFile, change: DeclarationChange, quote: string, edits: Edit[]): string | undefined {
  const model = modelObject(ts, sf, change.model);
  if (typeof model === 'string') return model;
  switch (change.kind) {
    case 'peakQps': {
      if (change.tenant === undefined) {
        setProperty(ts, sf, model, 'peakQps', num(change.to), quote, edits);
        return undefined;
      }
      const tenants = property(ts, model, 'tenants');
      if (!tenants) return 'the model declares no tenants field';
      const init = unwrap(ts, tenants.initializer);
      const entry = `{ ${[...Object.entries(change.tenantOverrides ?? {}).map(([k, v]) => `${k}: ${typeof v === 'number' ? num(v) : `${quote}${v}${quote}`}`), `peakQps: ${num(change.to)}`].join(', ')} }`;
      const key = propertyKey(change.tenant, quote);
      if (ts.isObjectLiteralExpression(init)) {
        const own = property(ts, init, change.tenant);
        const value = own && unwrap(ts, own.initializer);
        if (own && value && ts.isObjectLiteralExpression(value)) setProperty(ts, sf, value, 'peakQps', num(change.to), quote, edits);
        else if (own) edits.push({ start: own.initializer.getStart(sf), end: own.initializer.getEnd(), text: `{ ...${own.initializer.getText(sf)}, peakQps: ${num(change.to)} }` });
        else insertProperty(ts, sf, init, `${key}: ${entry}`, edits);
        return undefined;
      }
      if (ts.isArrayLiteralExpression(init)) {
        if (!init.elements.every((e) => ts.isStringLiteralLike(e) || ts.isSpreadElement(e))) return 'tenants is an array with entries that are not names; change it by hand';
        const multiline = sf.getLineAndCharacterOfPosition(init.getStart(sf)).line !== sf.getLineAndCharacterOfPosition(init.getEnd()).line;
        const parts = init.elements.map((e) =>
          ts.isSpreadElement(e)
            ? `...Object.fromEntries(${e.expression.getText(sf)}.map((t) => [t, {}]))`
            : (e as TS.StringLiteral).text === change.tenant
              ? `${key}: ${entry}`
              : `${propertyKey((e as TS.StringLiteral).text, quote)}: {}`,
        );
        if (!init.elements.some((e) => ts.isStringLiteralLike(e) && e.text === change.tenant)) parts.push(`${key}: ${entry}`);
        edits.push({ start: init.getStart(sf), end: init.getEnd(), text: layout(sf, init, parts, multiline) });
        return undefined;
      }
      // Any other expression yields the tenant names (the loader accepted it): spread it into an object.
      edits.push({ start: init.getStart(sf), end: init.getEnd(), text: `{ ...Object.fromEntries(${init.getText(sf)}.map((t) => [t, {}])), ${key}: ${entry} }` });
      return undefined;
    }
    case 'profile': {
      const profile = property(ts, model, 'profile');
      const init = profile && unwrap(ts, profile.initializer);
      if (!init || !ts.isObjectLiteralExpression(init)) return 'profile is not an object literal in the file; change it by hand';
      const pool = property(ts, init, change.pool);
      if (!pool) return `profile has no entry ${change.pool} written out in the file; change it by hand`;
      edits.push({ start: pool.initializer.getStart(sf), end: pool.initializer.getEnd(), text: `{ ${change.to.map((p) => `${p.batch}: ${num(p.latencyMs)}`).join(', ')} }` });
      return undefined;
    }
    case 'peakHours': {
      const traffic = property(ts, model, 'traffic');
      const init = traffic && unwrap(ts, traffic.initializer);
      if (!init || !ts.isObjectLiteralExpression(init)) return 'traffic is not an object literal in the file; change it by hand';
      setProperty(ts, sf, init, 'peakHoursUtc', `[${change.to[0]}, ${change.to[1]}]`, quote, edits);
      return undefined;
    }
  }
}

/** An object literal of `parts`, laid out like the array it replaces. */
function layout(sf: TS.SourceFile, replaced: TS.Node, parts: readonly string[], multiline: boolean): string {
  if (!multiline) return `{ ${parts.join(', ')} }`;
  const src = sf.text;
  const lineStart = src.lastIndexOf('\n', replaced.getStart(sf) - 1) + 1;
  const indent = /^[ \t]*/.exec(src.slice(lineStart))![0];
  return `{\n${parts.map((p) => `${indent}  ${p},`).join('\n')}\n${indent}}`;
}
