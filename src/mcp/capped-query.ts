import type pg from 'pg';
import { cutOffConnection, watchDataRows } from './wire-cut-off.js';

export interface Caps {
  maxRows: number;
  maxBytes: number;
}

export interface CappedResult {
  columns: string[];
  rows: unknown[][];
  /** Why rows were left out, if any were. */
  truncated: false | 'rows' | 'bytes';
  /** Bytes of the kept rows as compact JSON. */
  bytes: number;
}

/** The protocol messages this query answers; a subset of pg's Connection. */
interface Connection {
  parse(config: { text: string; name?: string; types?: number[] }): void;
  bind(config: { portal?: string; statement?: string; values?: unknown[] }): void;
  describe(config: { type: 'P' | 'S'; name?: string }): void;
  execute(config: { portal?: string; rows?: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  stream: { cork?: () => void; uncork?: () => void };
}

/** What the query does to the wire beyond the protocol: see the row sizes early, and cut off. */
interface Wire {
  watch(onDataRow: (length: number, fields: number) => void): () => void;
  cutOff(): void;
}

interface Field {
  name: string;
  dataTypeID: number;
}

/**
 * Values as JSON-safe, lossless text: numeric, money, dates and timestamps stay the server's
 * text (no float rounding, no time-zone shift); small integers, floats and booleans become
 * JSON numbers/booleans when that loses nothing.
 */
function convert(oid: number, text: string | null): unknown {
  if (text === null) return null;
  switch (oid) {
    case 16:
      return text === 't';
    case 21:
    case 23:
    case 26:
      return Number(text);
    case 20: {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 700:
    case 701: {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    default:
      return text;
  }
}

/**
 * One statement over the extended protocol (Parse/Bind/Describe/Execute on the unnamed portal)
 * with a portal row limit of maxRows + 1 and Sync in the same flight: one round trip, and the
 * server executes no further than the row cap (the suspended portal dies with the ROLLBACK).
 * The byte cap is enforced as the answer arrives: a row that cannot fit is refused from its
 * header (its declared length), before pg buffers it, and the first row over the cap ends the
 * call at once with the rows kept so far; the connection is then cut off (see
 * cutOffConnection) rather than drained. The text run is exactly the one the guard approved
 * (no rewriting into a LIMIT subquery).
 */
class CappedQuery {
  private fields: Field[] = [];
  private readonly rows: unknown[][] = [];
  private bytes = 2;
  private truncated: CappedResult['truncated'] = false;
  private settled = false;
  private stopWatching = () => {};

  constructor(
    private readonly text: string,
    private readonly caps: Caps,
    private readonly wire: Wire,
    private readonly done: (error: Error | null, result?: CappedResult) => void,
  ) {}

  submit(connection: Connection): null {
    // pg submits a query only when the connection is idle, so the next bytes are this answer's.
    this.stopWatching = this.wire.watch((length, fields) => this.handleDataRowHeader(length, fields));
    connection.stream.cork?.();
    try {
      connection.parse({ text: this.text, types: [] });
      connection.bind({ portal: '', statement: '', values: [] });
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '', rows: this.caps.maxRows + 1 });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: Field[] }): void {
    this.fields = msg.fields;
  }

  /**
   * A row's wire length bounds its JSON size from below: each non-null value's text is at most
   * one byte longer than its JSON (a float's exponent), and the separators make up for that. So
   * a row whose values alone exceed the room left can never be kept.
   */
  private handleDataRowHeader(length: number, fields: number): void {
    if (this.settled || this.truncated) return;
    const valueBytes = length - 6 - 4 * fields;
    if (this.rows.length >= this.caps.maxRows) return; // refused by the row cap; PortalSuspended follows
    if (valueBytes > this.caps.maxBytes - this.bytes) this.cutOff('bytes');
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    if (this.truncated || this.settled) return;
    if (this.rows.length >= this.caps.maxRows) {
      this.truncated = 'rows';
      return;
    }
    const row = msg.fields.map((value, i) => convert(this.fields[i]?.dataTypeID ?? 25, value));
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (this.bytes + size > this.caps.maxBytes) {
      this.cutOff('bytes');
      return;
    }
    this.bytes += size;
    this.rows.push(row);
  }

  /** Answers with the rows kept so far and drops the connection instead of draining the rest. */
  private cutOff(reason: 'rows' | 'bytes'): void {
    this.truncated = reason;
    this.settle(null);
    this.wire.cutOff();
  }

  handlePortalSuspended(): void {
    // More rows exist than the cap allows; the portal stays suspended until the ROLLBACK.
    if (!this.truncated) this.truncated = 'rows';
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('COPY is not allowed here');
  }

  handleCopyData(): void {}

  handleError(error: Error): void {
    // Sync went out with Execute, so the server answers ReadyForQuery after the error by itself.
    this.settle(error);
  }

  handleReadyForQuery(): void {
    this.settle(null);
  }

  private settle(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.stopWatching();
    if (error) {
      this.done(error);
      return;
    }
    this.done(null, {
      columns: this.fields.map((field) => field.name),
      rows: this.rows,
      truncated: this.truncated,
      bytes: this.bytes,
    });
  }
}

/** Runs one read statement with row and byte caps; see CappedQuery. */
export function queryCapped(client: pg.ClientBase, text: string, caps: Caps): Promise<CappedResult> {
  return new Promise((resolve, reject) => {
    const wire: Wire = {
      watch: (onDataRow) => watchDataRows(client, onDataRow),
      cutOff: () => cutOffConnection(client),
    };
    const query = new CappedQuery(text, caps, wire, (error, result) =>
      error ? reject(error) : resolve(result as CappedResult),
    );
    client.query(query as unknown as pg.Submittable);
  });
}
