/**
 * One typed table: a row type, its columns and how each is stored (text, number, boolean as
 * 0/1, JSON as text), and the small set of statements a repository needs (insert, upsert,
 * update, get, list, delete). Column names are camelCase in TypeScript and snake_case in SQL.
 * Only values are ever bound; names come from these definitions, never from input.
 */
import { XdcError } from '../errors';
import type { CentralDb, SqlValue } from './db';

export type ColumnKind = 'text' | 'number' | 'bool' | 'json';
export type Columns<Row> = { readonly [K in keyof Row]-?: ColumnKind };

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export class Table<Row extends object> {
  private readonly fields: Array<keyof Row & string>;

  constructor(
    private readonly db: CentralDb,
    readonly name: string,
    private readonly columns: Columns<Row>,
    private readonly key: ReadonlyArray<keyof Row & string>,
  ) {
    this.fields = Object.keys(columns) as Array<keyof Row & string>;
  }

  insert(row: Row): void {
    const cols = this.fields.map(snake);
    this.db.run(
      `INSERT INTO ${this.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      this.fields.map((f) => this.encode(f, row[f])),
    );
  }

  /** Inserts, or replaces every non-key column of the row with the same key. */
  upsert(row: Row): void {
    const cols = this.fields.map(snake);
    const keyCols = this.key.map(snake);
    const sets = cols.filter((c) => !keyCols.includes(c)).map((c) => `${c} = excluded.${c}`);
    const conflict = sets.length ? `DO UPDATE SET ${sets.join(', ')}` : 'DO NOTHING';
    this.db.run(
      `INSERT INTO ${this.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (${keyCols.join(', ')}) ${conflict}`,
      this.fields.map((f) => this.encode(f, row[f])),
    );
  }

  /** Changes some columns of the rows matching `where`; returns how many rows changed. */
  update(where: Partial<Row>, changes: Partial<Row>): number {
    const set = this.present(changes);
    if (set.length === 0) return 0;
    const w = this.where(where);
    return this.db.run(`UPDATE ${this.name} SET ${set.map((f) => `${snake(f)} = ?`).join(', ')}${w.sql}`, [
      ...set.map((f) => this.encode(f, changes[f])),
      ...w.params,
    ]).changes;
  }

  get(where: Partial<Row>): Row | null {
    const w = this.where(where);
    const row = this.db.get(`SELECT * FROM ${this.name}${w.sql} LIMIT 1`, w.params);
    return row ? this.decode(row) : null;
  }

  list(
    where: Partial<Row> = {},
    opts: { orderBy?: keyof Row & string; desc?: boolean; limit?: number } = {},
  ): Row[] {
    const w = this.where(where);
    const order = opts.orderBy ?? this.key[0];
    const sql = `SELECT * FROM ${this.name}${w.sql}${order ? ` ORDER BY ${snake(order)}${opts.desc ? ' DESC' : ''}` : ''}${
      opts.limit !== undefined ? ` LIMIT ${Math.max(0, Math.trunc(opts.limit))}` : ''
    }`;
    return this.db.all(sql, w.params).map((r) => this.decode(r));
  }

  delete(where: Partial<Row>): number {
    const w = this.where(where);
    return this.db.run(`DELETE FROM ${this.name}${w.sql}`, w.params).changes;
  }

  count(where: Partial<Row> = {}): number {
    const w = this.where(where);
    return Number(
      this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.name}${w.sql}`, w.params)?.n ?? 0,
    );
  }

  private present(obj: Partial<Row>): Array<keyof Row & string> {
    return this.fields.filter((f) => obj[f] !== undefined);
  }

  private where(where: Partial<Row>): { sql: string; params: SqlValue[] } {
    const fs = this.present(where);
    const params: SqlValue[] = [];
    const terms = fs.map((f) => {
      const v = this.encode(f, where[f]);
      if (v === null) return `${snake(f)} IS NULL`;
      params.push(v);
      return `${snake(f)} = ?`;
    });
    return { sql: terms.length ? ` WHERE ${terms.join(' AND ')}` : '', params };
  }

  private encode(field: keyof Row & string, value: unknown): SqlValue {
    if (value === null || value === undefined) return null;
    switch (this.columns[field]) {
      case 'text':
        return String(value);
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new XdcError(
            'ERR_VALIDATION',
            `${this.name}.${field} must be a finite number, got ${String(value)}`,
          );
        }
        return value;
      case 'bool':
        return value ? 1 : 0;
      case 'json':
        return JSON.stringify(value);
    }
  }

  private decode(raw: Record<string, unknown>): Row {
    const row: Record<string, unknown> = {};
    for (const f of this.fields) {
      const v = raw[snake(f)];
      if (v === null || v === undefined) {
        row[f] = null;
        continue;
      }
      switch (this.columns[f]) {
        case 'text':
          row[f] = String(v);
          break;
        case 'number':
          row[f] = Number(v);
          break;
        case 'bool':
          row[f] = Number(v) !== 0;
          break;
        case 'json':
          row[f] = JSON.parse(String(v));
          break;
      }
    }
    return row as Row;
  }
}
