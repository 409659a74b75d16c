/**
 * The storage metadata of the pool, made durable like VxVM's private region: the state is the
 * checkpoint plus the journal replayed on top of it. `commit(record)` journals first and then
 * applies, so a change is either acknowledged and on disk, or neither.
 *
 *   <labDir>/storage/metadata.json      checkpoint (atomic tmp + fsync + rename)
 *   <labDir>/storage/metadata.journal   records since the checkpoint (CRC-framed)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { asXdcError, XdcError } from '../errors';
import { readCheckpoint, writeCheckpoint } from './checkpoint';
import { Journal } from './journal';
import type { StorageState } from './model';
import { applyRecord, StorageRecord } from './records';
import type { SharedDisks } from './shared-disks';

export interface MetadataStoreOptions {
  /** Checkpoint automatically once the journal holds this many records (default 20000). */
  autoCheckpointRecords?: number;
}

export class MetadataStore {
  private seq: number;
  private sinceCheckpoint = 0;
  private open = true;
  readonly checkpointPath: string;
  /** Bytes of a torn last journal record cut off on open (a crash mid-append). */
  readonly tornBytesOnOpen: number;

  private constructor(
    readonly state: StorageState,
    readonly disks: SharedDisks,
    private readonly journal: Journal,
    seq: number,
    checkpointPath: string,
    tornBytes: number,
    private readonly autoCheckpoint: number,
  ) {
    this.seq = seq;
    this.checkpointPath = checkpointPath;
    this.tornBytesOnOpen = tornBytes;
  }

  /** Loads the checkpoint and replays the journal: the state every acknowledged change left. */
  static open(labDir: string, disks: SharedDisks, opts: MetadataStoreOptions = {}): MetadataStore {
    const dir = join(labDir, 'storage');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw asXdcError(e, 'ERR_LAB_IO');
    }
    const cpPath = join(dir, 'metadata.json');
    const { state, seq: cpSeq } = readCheckpoint(cpPath, disks);
    const { journal, contents } = Journal.open(join(dir, 'metadata.journal'));
    let seq = cpSeq;
    try {
      contents.records.forEach((raw, i) => {
        const where = `${journal.path}: record ${i + 1}`;
        const s =
          typeof raw === 'object' && raw !== null && 's' in raw ? (raw as { s: unknown }).s : undefined;
        if (typeof s !== 'number') throw new XdcError('ERR_LAB_CORRUPT', `${where} has no sequence number`);
        // Records the checkpoint already holds (a crash between checkpoint and journal reset).
        if (s <= cpSeq) return;
        if (s !== seq + 1)
          throw new XdcError('ERR_LAB_CORRUPT', `${where} has sequence ${s}, expected ${seq + 1}`);
        const parsed = StorageRecord.safeParse(raw);
        if (!parsed.success)
          throw new XdcError(
            'ERR_LAB_CORRUPT',
            `${where} is not a valid record: ${parsed.error.issues[0]?.message}`,
          );
        try {
          applyRecord(state, disks, parsed.data);
        } catch (e) {
          throw new XdcError(
            'ERR_LAB_CORRUPT',
            `${where} (${parsed.data.t}) does not fit the metadata: ${asXdcError(e).message}`,
          );
        }
        seq = s;
      });
    } catch (e) {
      journal.close();
      throw e;
    }
    const store = new MetadataStore(
      state,
      disks,
      journal,
      seq,
      cpPath,
      contents.tornBytes,
      opts.autoCheckpointRecords ?? 20_000,
    );
    store.sinceCheckpoint = seq - cpSeq;
    return store;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Journals the record (durable against SIGKILL once this returns), then applies it. */
  commit(record: StorageRecord): void {
    if (!this.open) throw new XdcError('ERR_INTERNAL', 'the storage metadata is closed');
    const s = this.seq + 1;
    this.journal.append({ s, ...record });
    this.seq = s;
    applyRecord(this.state, this.disks, record);
    if (++this.sinceCheckpoint >= this.autoCheckpoint) this.checkpoint();
  }

  /** Forces journaled COW mappings to stable storage (SYNCHRONIZE CACHE). */
  sync(): void {
    this.journal.fsync();
  }

  /** Writes the whole state as the checkpoint, then empties the journal. */
  checkpoint(): void {
    if (!this.open) throw new XdcError('ERR_INTERNAL', 'the storage metadata is closed');
    writeCheckpoint(this.checkpointPath, this.state, this.seq);
    this.journal.reset();
    this.sinceCheckpoint = 0;
  }

  /** Clean close: checkpoint, then close the journal. */
  close(): void {
    if (!this.open) return;
    try {
      this.checkpoint();
    } finally {
      this.open = false;
      this.journal.close();
    }
  }

  /** The host died: drop everything in memory, write nothing (the journal already has it all). */
  abandon(): void {
    if (!this.open) return;
    this.open = false;
    this.journal.close();
  }
}
