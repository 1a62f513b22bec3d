import { type RawSettings, SECRET_SETTINGS, SETTING_NAMES, type SettingsProblem } from '../config/charger-settings.js';
import { chargerOverride } from '../config/config.js';
import { type FleetSettings, type PreparedChange, SettingsError } from '../state/fleet-settings.js';
import { csvText, parseCsv } from '../util/csv.js';
import { type AnySchema, UnionSchema } from '../util/schema.js';

/**
 * Import and export of the fleet's settings as CSV or JSON (docs/operations.md#onboarding-a-fleet). An import is all
 * or nothing: every row is validated first, and one bad row (reported with its line) means nothing is applied.
 */

/** Bounds of one import: larger bodies get 413. */
export const IMPORT_MAX_BYTES = 8 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 50_000;
/** Problems reported at most per import. */
const PROBLEMS_SHOWN = 100;

/** Export columns besides the settings; ignored on import. */
const INFO_COLUMNS = ['origin', 'retiredAt'] as const;

export interface ImportRow {
  /** Where the row is: its line (CSV) or its position in the list, from 1 (JSON). */
  where: { line: number } | { row: number };
  identity: string;
  input: RawSettings;
}

export interface ImportProblem extends SettingsProblem {
  line?: number;
  row?: number;
  identity?: string;
}

/** An import that cannot be applied: the status and every problem with its place. */
export class ImportError extends Error {
  constructor(
    readonly status: 400 | 409 | 413,
    readonly problems: ImportProblem[],
  ) {
    super(problems[0] ? `${placeOf(problems[0])}${problems[0].field}: ${problems[0].message}` : 'bad import');
  }
}

const placeOf = (p: ImportProblem) =>
  p.line !== undefined ? `line ${p.line}: ` : p.row !== undefined ? `row ${p.row}: ` : '';

/**
 * The kind of each setting's schema, to read CSV cells as the JSON the API takes: what an optional, a default or a
 * transform wraps, and of a union its first member (a CIDR list takes a list first, a string second).
 */
function kindOf(schema: AnySchema): string {
  if (schema.inner) return kindOf(schema.inner);
  if (schema instanceof UnionSchema && schema.members[0]) return kindOf(schema.members[0]);
  return schema.kind;
}

const KINDS: Record<string, string> = Object.fromEntries(
  SETTING_NAMES.map((name) => [name, kindOf(chargerOverride.shape[name as keyof typeof chargerOverride.shape])]),
);

/** A CSV cell as the value the API takes: booleans, lists (space or comma separated), objects as JSON. */
function cellValue(name: string, text: string): unknown {
  switch (KINDS[name]) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'list':
      return text.split(/[\s,]+/).filter(Boolean);
    case 'object':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** Rows of a CSV import: a header naming `identity` and settings; an empty cell leaves the setting unset. */
export function csvRows(text: string): ImportRow[] {
  let parsed: ReturnType<typeof parseCsv>;
  try {
    parsed = parseCsv(text);
  } catch (err) {
    throw new ImportError(400, [{ field: '(csv)', message: (err as Error).message }]);
  }
  const [header, ...body] = parsed;
  if (!header) throw new ImportError(400, [{ field: '(csv)', message: 'the CSV is empty' }]);
  const columns = header.cells.map((c) => c.trim());
  const unknown = columns.filter(
    (c) => c !== 'identity' && !SETTING_NAMES.includes(c) && !(INFO_COLUMNS as readonly string[]).includes(c),
  );
  if (!columns.includes('identity') || unknown.length > 0)
    throw new ImportError(400, [
      {
        line: header.line,
        field: unknown[0] ?? 'identity',
        message: unknown.length
          ? `unknown column ${unknown.join(', ')}; known: identity, ${SETTING_NAMES.join(', ')}`
          : 'the header must name an identity column',
      },
    ]);
  if (body.length > IMPORT_MAX_ROWS) throw tooManyRows(body.length);
  return body.map(({ line, cells }) => {
    const input: RawSettings = {};
    let identity = '';
    columns.forEach((column, i) => {
      const text = cells[i] ?? '';
      if (column === 'identity') identity = text.trim();
      else if (text !== '' && SETTING_NAMES.includes(column)) input[column] = cellValue(column, text);
    });
    return { where: { line }, identity, input };
  });
}

/** Rows of a JSON import: `{"chargers": [{"identity": ..., "settings": {...}}]}` (an export) or a bare list. */
export function jsonRows(body: unknown): ImportRow[] {
  const list = Array.isArray(body) ? body : (body as { chargers?: unknown } | null)?.chargers;
  if (!Array.isArray(list))
    throw new ImportError(400, [{ field: 'chargers', message: 'expected {"chargers": [{"identity", "settings"}]}' }]);
  if (list.length > IMPORT_MAX_ROWS) throw tooManyRows(list.length);
  return list.map((item, i) => {
    const entry = (item ?? {}) as { identity?: unknown; settings?: unknown };
    const settings = entry.settings && typeof entry.settings === 'object' ? entry.settings : {};
    return {
      where: { row: i + 1 },
      identity: typeof entry.identity === 'string' ? entry.identity : '',
      input: { ...(settings as RawSettings) },
    };
  });
}

const tooManyRows = (rows: number) =>
  new ImportError(413, [{ field: '(rows)', message: `${rows} rows: an import takes ${IMPORT_MAX_ROWS} at most` }]);

/** Validates every row against the store and the file; throws ImportError listing the bad rows, changes nothing. */
export function planImport(settings: FleetSettings, rows: ImportRow[], actor: string): PreparedChange[] {
  const problems: ImportProblem[] = [];
  const seen = new Map<string, ImportRow['where']>();
  const plan: PreparedChange[] = [];
  let status: 400 | 409 = 409;
  for (const row of rows) {
    const earlier = seen.get(row.identity);
    if (earlier && row.identity) {
      status = 400;
      problems.push({ ...row.where, identity: row.identity, field: 'identity', message: 'identity appears twice' });
      continue;
    }
    seen.set(row.identity, row.where);
    try {
      plan.push(settings.prepare(row.identity, row.input, { mode: 'replace', actor, origin: 'import' }));
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      if (err.status !== 409) status = 400;
      for (const p of err.problems) problems.push({ ...row.where, identity: row.identity, ...p });
    }
  }
  if (problems.length > 0) throw new ImportError(status, problems.slice(0, PROBLEMS_SHOWN));
  return plan;
}

/** One exported charger: its settings (secrets only when asked for: the SOAP hash, the CSMS password opened). */
interface ExportEntry {
  identity: string;
  origin: string;
  retiredAt?: string;
  settings: RawSettings;
}

export function exportEntries(settings: FleetSettings, withSecrets: boolean): ExportEntry[] {
  return settings.identities().map((identity) => {
    const view = settings.view(identity)!;
    const record = settings.record(identity)?.settings ?? {};
    const file = settings.fileEntries()[identity] ?? {};
    const out: RawSettings = { ...view.settings };
    for (const key of SECRET_SETTINGS) {
      delete out[key];
      if (!withSecrets) continue;
      const stored = file[key] ?? record[key];
      if (typeof stored !== 'string') continue;
      out[key] = key === 'basicAuthPassword' && file[key] === undefined ? settings.openSecret(stored) : stored;
    }
    return { identity, origin: view.origin, retiredAt: view.retiredAt, settings: out };
  });
}

export function exportCsv(entries: ExportEntry[]): string {
  const columns = ['identity', ...SETTING_NAMES, ...INFO_COLUMNS];
  const text = (v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.join(' ');
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  return csvText(
    columns,
    entries.map((e) => [e.identity, ...SETTING_NAMES.map((name) => text(e.settings[name])), e.origin, e.retiredAt]),
  );
}
