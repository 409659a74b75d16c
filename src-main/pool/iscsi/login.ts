/**
 * The Login Phase of one connection (RFC 7143 sections 6.3 and 11.12-11.13): security
 * negotiation (AuthMethod None or CHAP-MD5), operational negotiation, and the move to Full
 * Feature Phase. It turns Login Requests into Login Responses; what to do with the session
 * (new, reinstated, a connection added) is the portal's call, asked through `LoginHost`.
 */
import { CHAP_MD5, type ChapConfig, ChapExchange } from './chap';
import { OperationalNegotiation, type SessionParams } from './params';
import { Flag, type Pdu, TargetOp, targetBhs } from './pdu';
import { encodeText, parseText, TextFormatError, type TextPairs } from './text';

export const Stage = { SECURITY: 0, OPERATIONAL: 1, FULL_FEATURE: 3 } as const;

/** Login status class/detail (RFC 7143 11.13.5). */
export const LoginStatus = {
  SUCCESS: 0x0000,
  INITIATOR_ERROR: 0x0200,
  AUTHENTICATION_FAILURE: 0x0201,
  AUTHORIZATION_FAILURE: 0x0202,
  NOT_FOUND: 0x0203,
  UNSUPPORTED_VERSION: 0x0205,
  TOO_MANY_CONNECTIONS: 0x0206,
  MISSING_PARAMETER: 0x0207,
  SESSION_TYPE_NOT_SUPPORTED: 0x0209,
  SESSION_DOES_NOT_EXIST: 0x020a,
  INVALID_DURING_LOGIN: 0x020b,
  TARGET_ERROR: 0x0300,
  OUT_OF_RESOURCES: 0x0302,
} as const;

export class LoginFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Who the initiator is and what it asked for, as learned during login. */
export interface LoginIdentity {
  initiatorName: string;
  initiatorAlias?: string;
  isid: Buffer;
  tsih: number;
  cid: number;
  discovery: boolean;
  targetName?: string;
}

export interface LoginHost {
  chap?: ChapConfig;
  /** The Target Portal Group Tag of this portal. */
  readonly portalGroupTag: number;
  /** Whether a Normal session may log in to this target name (it exists). */
  targetExists(name: string): boolean;
  targetAlias(name: string): string | undefined;
  /**
   * Checks the first Login Request of a connection joining an existing session (TSIH != 0):
   * returns the session's parameters, or throws LoginFailure.
   */
  joinCheck(identity: LoginIdentity): SessionParams;
  /** The session's ExpCmdSN/MaxCmdSN for login responses (a new session starts from `cmdSN`). */
  window(identity: LoginIdentity, cmdSN: number): { expCmdSN: number; maxCmdSN: number };
}

export interface LoginDone {
  identity: LoginIdentity;
  session: SessionParams;
  negotiation: OperationalNegotiation;
}

export interface LoginStep {
  /** Login Response PDUs to send (header + data). */
  responses: Array<{ bhs: Buffer; data: Buffer }>;
  /** Set when this response moves the connection to Full Feature Phase. */
  done?: LoginDone;
  /** Set when the login failed: send the responses, then close. */
  failed?: string;
}

export class LoginPhase {
  private stage: number | null = null;
  private identity: LoginIdentity | null = null;
  private negotiation: OperationalNegotiation | null = null;
  private authenticated: boolean;
  private authMethod: 'None' | 'CHAP' | null = null;
  private chap: ChapExchange | null = null;
  private chapState: 'start' | 'challenged' = 'start';
  private pendingText: Buffer[] = [];
  private initiatorTaskTag = 0;
  private sentTpgt = false;

  constructor(
    private readonly host: LoginHost,
    private readonly nextStatSN: () => number,
  ) {
    this.authenticated = !host.chap;
  }

  handle(pdu: Pdu): LoginStep {
    const bhs = pdu.bhs;
    this.initiatorTaskTag = bhs.readUInt32BE(16);
    const transit = (bhs[1]! & Flag.TRANSIT) !== 0;
    const cont = (bhs[1]! & Flag.CONTINUE) !== 0;
    const csg = (bhs[1]! >> 2) & 3;
    const nsg = bhs[1]! & 3;
    try {
      if (bhs[3]! > 0) {
        throw new LoginFailure(LoginStatus.UNSUPPORTED_VERSION, `iSCSI version ${bhs[3]}-${bhs[2]} is not 0`);
      }
      if (transit && cont) throw new LoginFailure(LoginStatus.INITIATOR_ERROR, 'T and C are both set');
      if (csg === 2 || csg === Stage.FULL_FEATURE)
        throw new LoginFailure(LoginStatus.INITIATOR_ERROR, `CSG ${csg} is not a login stage`);
      if (this.stage === null) {
        this.stage = csg;
      } else if (csg !== this.stage) {
        throw new LoginFailure(
          LoginStatus.INVALID_DURING_LOGIN,
          `login request in stage ${csg}, expected stage ${this.stage}`,
        );
      }
      this.pendingText.push(Buffer.from(pdu.data));
      if (cont) {
        // A partial text: acknowledge it with an empty response and wait for the rest.
        return { responses: [this.response(bhs, 0, csg, 0, [])] };
      }
      const text = Buffer.concat(this.pendingText);
      this.pendingText = [];
      let pairs: TextPairs;
      try {
        pairs = parseText(text);
      } catch (e) {
        throw new LoginFailure(
          LoginStatus.INITIATOR_ERROR,
          e instanceof TextFormatError ? e.message : 'bad login text',
        );
      }
      if (!this.identity) this.first(bhs, pairs);
      const answer: TextPairs = [];
      if (csg === Stage.SECURITY) this.security(pairs, answer);
      else if (pairs.some(([k]) => k === 'AuthMethod' || k.startsWith('CHAP_'))) {
        throw new LoginFailure(LoginStatus.INITIATOR_ERROR, 'security keys in the operational stage');
      }
      if (csg === Stage.OPERATIONAL && !this.authenticated) {
        throw new LoginFailure(
          LoginStatus.AUTHENTICATION_FAILURE,
          'this target requires CHAP authentication',
        );
      }
      answer.push(...this.negotiation!.answer(pairs));
      if (!this.sentTpgt && !this.identity!.discovery) {
        this.sentTpgt = true;
        answer.push(['TargetPortalGroupTag', String(this.host.portalGroupTag)]);
        const alias = this.host.targetAlias(this.identity!.targetName!);
        if (alias) answer.push(['TargetAlias', alias]);
      }
      const canTransit =
        transit &&
        this.authenticated &&
        (csg === Stage.SECURITY ? nsg !== Stage.SECURITY : nsg === Stage.FULL_FEATURE);
      if (canTransit && nsg === Stage.FULL_FEATURE) {
        answer.push(...this.negotiation!.closingDeclarations());
        this.negotiation!.finish();
      }
      const flags = canTransit ? Flag.TRANSIT | (csg << 2) | nsg : csg << 2;
      const response = this.response(bhs, flags, csg, 0, answer);
      if (canTransit) this.stage = nsg;
      if (canTransit && nsg === Stage.FULL_FEATURE) {
        return {
          responses: [response],
          done: {
            identity: this.identity!,
            session: this.negotiation!.session,
            negotiation: this.negotiation!,
          },
        };
      }
      return { responses: [response] };
    } catch (e) {
      const failure =
        e instanceof LoginFailure
          ? e
          : new LoginFailure(LoginStatus.TARGET_ERROR, e instanceof Error ? e.message : 'login failed');
      return { responses: [this.response(bhs, csg << 2, csg, failure.status, [])], failed: failure.message };
    }
  }

  /** The first Login Request: who is logging in, to what, and into which session. */
  private first(bhs: Buffer, pairs: TextPairs): void {
    const get = (k: string) => pairs.find(([key]) => key === k)?.[1];
    const initiatorName = get('InitiatorName');
    if (!initiatorName) throw new LoginFailure(LoginStatus.MISSING_PARAMETER, 'InitiatorName is missing');
    const sessionType = get('SessionType') ?? 'Normal';
    if (sessionType !== 'Normal' && sessionType !== 'Discovery') {
      throw new LoginFailure(
        LoginStatus.SESSION_TYPE_NOT_SUPPORTED,
        `SessionType ${sessionType} is not supported`,
      );
    }
    const discovery = sessionType === 'Discovery';
    const targetName = get('TargetName');
    if (!discovery) {
      if (!targetName) throw new LoginFailure(LoginStatus.MISSING_PARAMETER, 'TargetName is missing');
      if (!this.host.targetExists(targetName))
        throw new LoginFailure(LoginStatus.NOT_FOUND, `no target ${targetName} here`);
    }
    const identity: LoginIdentity = {
      initiatorName,
      initiatorAlias: get('InitiatorAlias'),
      isid: Buffer.from(bhs.subarray(8, 14)),
      tsih: bhs.readUInt16BE(14),
      cid: bhs.readUInt16BE(20),
      discovery,
      targetName: discovery ? undefined : targetName,
    };
    this.identity = identity;
    this.cmdSN = bhs.readUInt32BE(24);
    if (identity.tsih !== 0) {
      const session = this.host.joinCheck(identity);
      this.negotiation = new OperationalNegotiation(false, session);
    } else {
      this.negotiation = new OperationalNegotiation(true);
    }
  }

  private cmdSN = 0;

  private security(pairs: TextPairs, answer: TextPairs): void {
    const get = (k: string) => pairs.find(([key]) => key === k)?.[1];
    const offered = get('AuthMethod');
    if (offered !== undefined && this.authMethod === null) {
      const methods = offered.split(',');
      const want = this.host.chap ? 'CHAP' : 'None';
      if (!methods.includes(want)) {
        if (this.host.chap)
          throw new LoginFailure(
            LoginStatus.AUTHENTICATION_FAILURE,
            'this target requires CHAP authentication',
          );
        answer.push(['AuthMethod', 'Reject']);
        throw new LoginFailure(
          LoginStatus.AUTHENTICATION_FAILURE,
          `AuthMethod ${offered}: this target offers None only`,
        );
      }
      this.authMethod = want;
      answer.push(['AuthMethod', want]);
      if (want === 'CHAP') this.chap = new ChapExchange(this.host.chap!);
      return;
    }
    if (this.host.chap && this.authMethod === null) {
      throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILURE, 'this target requires CHAP authentication');
    }
    if (!this.chap) return;
    const algorithm = get('CHAP_A');
    if (this.chapState === 'start' && algorithm !== undefined) {
      if (!algorithm.split(',').includes(CHAP_MD5)) {
        answer.push(['CHAP_A', 'Reject']);
        throw new LoginFailure(
          LoginStatus.AUTHENTICATION_FAILURE,
          `CHAP_A ${algorithm}: only MD5 (5) is supported`,
        );
      }
      answer.push(
        ['CHAP_A', CHAP_MD5],
        ['CHAP_I', String(this.chap.identifier)],
        ['CHAP_C', `0x${this.chap.challenge.toString('hex')}`],
      );
      this.chapState = 'challenged';
      return;
    }
    const name = get('CHAP_N');
    const response = get('CHAP_R');
    if (this.chapState === 'challenged' && name !== undefined && response !== undefined) {
      if (!this.chap.verify(name, response)) {
        throw new LoginFailure(
          LoginStatus.AUTHENTICATION_FAILURE,
          `CHAP response of ${name} does not prove the secret`,
        );
      }
      const id = get('CHAP_I');
      const challenge = get('CHAP_C');
      if (id !== undefined || challenge !== undefined) {
        const mutual = this.chap.answer(id ?? '', challenge ?? '');
        if (typeof mutual === 'string') throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILURE, mutual);
        answer.push(['CHAP_N', mutual.name], ['CHAP_R', mutual.response]);
      }
      this.authenticated = true;
      return;
    }
    if (!this.authenticated) {
      throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILURE, 'CHAP exchange out of order');
    }
  }

  private response(
    req: Buffer,
    flags: number,
    _csg: number,
    status: number,
    answer: TextPairs,
  ): { bhs: Buffer; data: Buffer } {
    const data = encodeText(answer);
    const bhs = targetBhs(TargetOp.LOGIN_RESPONSE, flags, data.length);
    bhs[2] = 0; // Version-max
    bhs[3] = 0; // Version-active
    req.copy(bhs, 8, 8, 16); // ISID and TSIH (a new session's TSIH is set in the final response)
    bhs.writeUInt32BE(this.initiatorTaskTag, 16);
    const identity = this.identity;
    const window = identity
      ? this.host.window(identity, this.cmdSN)
      : { expCmdSN: req.readUInt32BE(24), maxCmdSN: req.readUInt32BE(24) };
    bhs.writeUInt32BE(this.nextStatSN(), 24);
    bhs.writeUInt32BE(window.expCmdSN, 28);
    bhs.writeUInt32BE(window.maxCmdSN, 32);
    bhs[36] = status >> 8;
    bhs[37] = status & 0xff;
    return { bhs, data };
  }

  /** The TSIH to put in the final response (set by the portal once the session exists). */
  static setTsih(response: { bhs: Buffer }, tsih: number): void {
    response.bhs.writeUInt16BE(tsih, 14);
  }
}
