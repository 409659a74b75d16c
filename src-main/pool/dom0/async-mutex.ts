/**
 * A FIFO async mutex: the SR lock under which the volume server runs exclusive storage
 * operations (xapi-project/sm takes the SR lock the same way), so two hosts racing to activate
 * one VDI are served one after the other and the second sees the first one's tag.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private held = 0;

  get locked(): boolean {
    return this.held > 0;
  }

  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    this.held++;
    try {
      await prev;
      return await fn();
    } finally {
      this.held--;
      release();
    }
  }
}
