/**
 * Lab knobs for teaching VSS failures (`dcli lab vss ...`): a writer that vetoes its freeze,
 * a hardware provider that fails after Dom0 made the snapshots, and a provider that takes too
 * long (past the 10 s freeze limit). Kept per guest, in memory: a restarted guest starts clean.
 */
export class VssFaults {
  readonly vetoApps = new Set<string>();
  providerError = false;
  providerDelayMs = 0;

  clear(): void {
    this.vetoApps.clear();
    this.providerError = false;
    this.providerDelayMs = 0;
  }

  describe(): string[] {
    const lines: string[] = [];
    for (const a of this.vetoApps) lines.push(`writer of ${a} vetoes its freeze`);
    if (this.providerError) lines.push('the hardware provider fails after Dom0 creates the snapshots');
    if (this.providerDelayMs > 0)
      lines.push(`the hardware provider waits ${this.providerDelayMs} ms before asking Dom0`);
    return lines;
  }
}
