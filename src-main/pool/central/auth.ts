/**
 * VRTSat, the pool's authentication broker on the central server. Principals are users
 * (admin > operator > viewer, scrypt-hashed passwords) and nodes (a secret generated at each
 * boot; only its hash is stored). Both log in for a signed, expiring token that every xprtld
 * verifies.
 *
 * Nodes get role 'operator' plus kind 'node': routes that only pool parts may call (a Dom0's
 * volume activate, a guest's management scripts) require kind 'node', so a human operator's
 * token cannot impersonate a node, while a node cannot do admin things (open or save labs).
 */
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../api/contract';
import { XdcError } from '../errors';
import type { VerifiedCaller } from '../net/xprtld';
import {
  DEFAULT_SCRYPT,
  generateSecret,
  hashNodeSecret,
  hashPassword,
  type ScryptCost,
  verifyNodeSecret,
  verifyPassword,
} from './passwords';
import type { CentralRepos, NodeCredentialRow } from './repos';
import { roleAtLeast } from './roles';
import { LoginThrottle, type ThrottleOptions } from './throttle';
import { signToken, type TokenClaims, verifyToken } from './tokens';

export interface AuthOptions {
  /** Wall-clock ms (tokens expire in wall time, not pool time). Injectable for tests. */
  now?: () => number;
  tokenTtlMs?: number;
  throttle?: ThrottleOptions;
  scrypt?: ScryptCost;
}

export interface LoginResult {
  token: string;
  role: Role;
  expiresAt: number;
}

export const DEFAULT_USERS: ReadonlyArray<{ name: string; role: Role }> = [
  { name: 'admin', role: 'admin' },
  { name: 'operator', role: 'operator' },
  { name: 'viewer', role: 'viewer' },
];

const SIGNING_KEY = 'vrtsat.signing-key';
const USER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export class AuthBroker {
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly cost: ScryptCost;
  private readonly throttle: LoginThrottle;
  private readonly key: Buffer;
  /** Password checks for one name run one at a time, so parallel guesses cannot outrun the throttle. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly repos: CentralRepos,
    opts: AuthOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.tokenTtlMs ?? 8 * 3_600_000;
    this.cost = opts.scrypt ?? DEFAULT_SCRYPT;
    this.throttle = new LoginThrottle(this.now, opts.throttle);
    const stored = repos.setting(SIGNING_KEY);
    if (stored) this.key = Buffer.from(stored, 'base64url');
    else {
      this.key = Buffer.from(generateSecret(32), 'base64url');
      repos.setSetting(SIGNING_KEY, this.key.toString('base64url'));
    }
  }

  // ------------------------------------------------------------------ users

  async createUser(name: string, role: Role, password: string): Promise<void> {
    checkUserName(name);
    checkPassword(password);
    if (this.repos.users.get({ name })) throw new XdcError('ERR_CONFLICT', `user ${name} already exists`);
    const hash = await hashPassword(password, this.cost);
    const t = this.now();
    this.repos.users.insert({ name, role, passwordHash: hash, createdAt: t, updatedAt: t });
  }

  async setPassword(name: string, password: string): Promise<void> {
    checkPassword(password);
    const hash = await hashPassword(password, this.cost);
    if (this.repos.users.update({ name }, { passwordHash: hash, updatedAt: this.now() }) === 0) {
      throw new XdcError('ERR_NOT_FOUND', `no user ${name}`);
    }
  }

  listUsers(): Array<{ name: string; role: Role }> {
    return this.repos.users.list().map((u) => ({ name: u.name, role: u.role }));
  }

  /** User name + password -> token. Wrong either way is the same 401; locked out is 429. */
  login(user: string, password: string): Promise<LoginResult> {
    const key = `user:${user}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const attempt = previous.catch(() => undefined).then(() => this.checkLogin(user, password, key));
    const tail = attempt.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return attempt;
  }

  private async checkLogin(user: string, password: string, key: string): Promise<LoginResult> {
    this.throttle.check(key);
    const row =
      typeof user === 'string' && USER_NAME.test(user) ? this.repos.users.get({ name: user }) : null;
    // An unknown name costs the same scrypt as a known one: timing does not tell names apart.
    const hash = row ? row.passwordHash : await this.dummy();
    const matches = await verifyPassword(String(password), hash);
    if (!row || !matches) {
      this.throttle.failed(key);
      throw new XdcError('ERR_UNAUTHENTICATED', 'wrong user name or password');
    }
    this.throttle.succeeded(key);
    return this.issue(row.name, 'user', row.role);
  }

  /**
   * A token for a user without a password, for the lab's own trusted front doors (the app
   * window, the headless command). Keep `ttlMs` short when the token is shown to a person.
   */
  issueUserToken(name: string, ttlMs = this.ttlMs): LoginResult {
    const row = this.repos.users.get({ name });
    if (!row) throw new XdcError('ERR_NOT_FOUND', `no user ${name}`);
    return this.issue(row.name, 'user', row.role, ttlMs);
  }

  /**
   * A new lab's users admin/operator/viewer with generated passwords, written to
   * `<labDir>/credentials.json` (mode 0600). Does nothing when the lab already has users.
   */
  async ensureDefaultUsers(labDir: string): Promise<{ created: boolean; file: string }> {
    const file = join(labDir, 'credentials.json');
    if (this.repos.users.count() > 0) return { created: false, file };
    const creds = DEFAULT_USERS.map((u) => ({ ...u, password: generateSecret(15) }));
    const hashes = await Promise.all(creds.map((c) => hashPassword(c.password, this.cost)));
    const t = this.now();
    // The file first: users whose passwords nobody can read would lock the lab.
    const tmp = `${file}.tmp`;
    writeFileSync(
      tmp,
      `${JSON.stringify({ note: 'XDC Lab users of this lab; keep this file private', users: creds }, null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
    this.repos.db.transaction(() => {
      creds.forEach((c, i) => {
        this.repos.users.insert({
          name: c.name,
          role: c.role,
          passwordHash: hashes[i]!,
          createdAt: t,
          updatedAt: t,
        });
      });
    });
    return { created: true, file };
  }

  // ------------------------------------------------------------------ nodes

  /** A fresh secret for a booting node; only its hash is kept. Replaces the node's previous one. */
  registerNode(nodeId: string, kind: NodeCredentialRow['kind']): string {
    const secret = generateSecret(32);
    this.repos.nodeCredentials.upsert({
      nodeId,
      kind,
      secretHash: hashNodeSecret(secret),
      createdAt: this.now(),
    });
    return secret;
  }

  forgetNode(nodeId: string): void {
    this.repos.nodeCredentials.delete({ nodeId });
  }

  loginNode(nodeId: string, secret: string): LoginResult {
    const row = this.repos.nodeCredentials.get({ nodeId });
    if (!row || typeof secret !== 'string' || !verifyNodeSecret(secret, row.secretHash)) {
      throw new XdcError(
        'ERR_UNAUTHENTICATED',
        `node ${nodeId} could not authenticate (unknown node or wrong secret)`,
      );
    }
    return this.issue(row.nodeId, 'node', 'operator');
  }

  // ------------------------------------------------------------------ tokens

  verify(token: string): TokenClaims {
    return verifyToken(this.key, token, this.now());
  }

  /** Token -> the caller an xprtld hands its handlers. */
  authenticate(token: string): VerifiedCaller {
    const c = this.verify(token);
    return {
      principal: `${c.kind}:${c.sub}`,
      role: c.role,
      kind: c.kind,
      nodeId: c.kind === 'node' ? c.sub : null,
    };
  }

  requireRole(claims: Pick<TokenClaims, 'role' | 'sub' | 'kind'>, role: Role): void {
    if (!roleAtLeast(claims.role, role)) {
      throw new XdcError(
        'ERR_FORBIDDEN',
        `${claims.kind}:${claims.sub} has role ${claims.role}; this needs ${role}`,
      );
    }
  }

  private issue(sub: string, kind: 'user' | 'node', role: Role, ttlMs = this.ttlMs): LoginResult {
    const iat = this.now();
    const exp = iat + ttlMs;
    return { token: signToken(this.key, { sub, kind, role, iat, exp }), role, expiresAt: exp };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(generateSecret(12), this.cost);
    return this.dummyHash;
  }
}

function checkUserName(name: string): void {
  if (!USER_NAME.test(name))
    throw new XdcError('ERR_VALIDATION', `user names are 1-64 letters, digits and _ . -, got '${name}'`);
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < 8 || password.length > 256) {
    throw new XdcError('ERR_VALIDATION', 'passwords are 8 to 256 characters');
  }
}
