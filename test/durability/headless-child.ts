/**
 * The headless lab as a child process, for crash-restart tests: start it on a lab folder, talk
 * to its HTTP API with the admin token it prints, and kill it with SIGKILL like a power cut of
 * the process (no handler runs, nothing is saved).
 *
 * The child is `node --import tsx src-main/cli/headless.ts`, not `npx tsx ...`: npx and the tsx
 * CLI each put a parent process in front of the real one, and a SIGKILL to that parent would
 * leave the lab process running on the folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ApiReply {
  status: number;
  body: unknown;
}

export class HeadlessChild {
  private constructor(
    readonly proc: ChildProcess,
    readonly apiUrl: string,
    readonly token: string,
    private readonly output: string[],
  ) {}

  /** Starts the lab on `labDir`; resolves once the first line (`XDC_API=... XDC_TOKEN=...`) is printed. */
  static async start(labDir: string, opts: { home: string; bootTimeoutMs?: number }): Promise<HeadlessChild> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/headless.ts', '--lab', labDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, XDC_LAB_HOME: opts.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(
          new Error(
            `the headless lab did not print its API address within ${opts.bootTimeoutMs ?? 60_000} ms\n${output.join('')}`,
          ),
        );
      }, opts.bootTimeoutMs ?? 60_000);
      proc.stdout?.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(buf.slice(0, nl));
        }
      });
      proc.stderr?.on('data', (d: Buffer) => output.push(d.toString('utf8')));
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the headless lab exited (${code ?? signal}) before it was up: ${output.join('').trim()}`,
          ),
        );
      });
    });
    const m = /^XDC_API=(\S+) XDC_TOKEN=(\S+)$/.exec(first);
    if (!m) {
      proc.kill('SIGKILL');
      throw new Error(`unexpected first line from the headless lab: ${first}`);
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    proc.stdout?.on('data', () => undefined);
    proc.removeAllListeners('exit');
    return new HeadlessChild(proc, m[1]!, m[2]!, output);
  }

  /** What the child wrote to stderr (for failure messages). */
  get stderr(): string {
    return this.output.join('');
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<ApiReply> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // a non-JSON body is returned as text
    }
    return { status: res.status, body: parsed };
  }

  /** Runs one DCLI line in a guest through the API. */
  async dcli(guestId: string, line: string): Promise<{ exitCode: number; output: string }> {
    const r = await this.call(
      'POST',
      `/api/v1/guests/${encodeURIComponent(guestId)}/dcli`,
      { line },
      120_000,
    );
    const b = r.body as { exitCode?: unknown; output?: unknown; error?: { code: string; message: string } };
    if (r.status !== 200 || typeof b.exitCode !== 'number') {
      throw new Error(
        `dcli ${guestId} '${line}' -> HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`,
      );
    }
    return { exitCode: b.exitCode, output: String(b.output) };
  }

  /** SIGKILL: the process dies between two instructions; resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }

  /** A clean stop (SIGTERM saves the lab). */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(t);
  }
}
