/**
 * Errors are values with a code and a human reason. An XdcError crosses every layer unchanged
 * (pool -> API -> HTTP/IPC -> renderer) and reaches the user as a sentence:
 * `ERR_HOST_DOWN: host h2 is down`.
 */
export const ERROR_STATUS = {
  ERR_BAD_REQUEST: 400,
  ERR_VALIDATION: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_TOO_MANY_ATTEMPTS: 429,
  ERR_NO_SPACE: 507,
  ERR_IO: 500,
  ERR_NOT_OWNER: 409,
  ERR_HOST_DOWN: 409,
  ERR_NODE_UNREACHABLE: 504,
  ERR_TIMEOUT: 504,
  ERR_MIGRATION_REFUSED: 409,
  ERR_STORAGE: 409,
  ERR_LAB_CORRUPT: 500,
  ERR_LAB_IO: 500,
  ERR_UNSUPPORTED: 400,
  ERR_INTERNAL: 500,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_METHOD_NOT_ALLOWED: 405,
  /** A job cut off by the lab closing or crashing (live migration). */
  ERR_INTERRUPTED: 409,
} as const;

export type XdcErrorCode = keyof typeof ERROR_STATUS;

export class XdcError extends Error {
  constructor(
    readonly code: XdcErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'XdcError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** The one sentence a user sees. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }

  toJSON(): { code: XdcErrorCode; message: string; detail?: Record<string, unknown> } {
    return this.detail
      ? { code: this.code, message: this.message, detail: this.detail }
      : { code: this.code, message: this.message };
  }
}

export function isXdcError(e: unknown): e is XdcError {
  return e instanceof XdcError;
}

/** Wraps anything thrown into an XdcError without losing an existing code. */
export function asXdcError(e: unknown, fallback: XdcErrorCode = 'ERR_INTERNAL'): XdcError {
  if (e instanceof XdcError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
      return new XdcError('ERR_NO_SPACE', `no space left in the lab folder (${err.message})`);
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS')
      return new XdcError('ERR_LAB_IO', `the lab folder is not writable (${err.message})`);
    if (err.code === 'EIO') return new XdcError('ERR_IO', `I/O error (${err.message})`);
  }
  return new XdcError(fallback, e instanceof Error ? e.message : String(e));
}
