/**
 * Operational parameter negotiation (RFC 7143 section 13): each key's result function (min, max,
 * AND, OR, list selection, declarative), its range, and the target's own limits. The target
 * answers every key it was offered; unknown keys get NotUnderstood, bad values Reject.
 */
import type { TextPairs } from './text';

export interface ConnectionParams {
  headerDigest: boolean;
  dataDigest: boolean;
  /** Longest data segment the INITIATOR accepts: our Data-In / R2T-free PDUs are cut to it. */
  initiatorMaxRecvDataSegmentLength: number;
  /** Longest data segment WE accept (declared by us). */
  targetMaxRecvDataSegmentLength: number;
}

export interface SessionParams {
  maxConnections: number;
  initialR2T: boolean;
  immediateData: boolean;
  maxBurstLength: number;
  firstBurstLength: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  maxOutstandingR2T: number;
  dataPduInOrder: boolean;
  dataSequenceInOrder: boolean;
  errorRecoveryLevel: number;
}

/** What this target is willing to do (the other side of every min/max). */
export const TARGET_LIMITS = {
  maxRecvDataSegmentLength: 262144,
  maxBurstLength: 16776192,
  firstBurstLength: 16776192,
  maxOutstandingR2T: 16,
  maxConnections: 4,
  errorRecoveryLevel: 0,
  defaultTime2Wait: 2,
  defaultTime2Retain: 0,
} as const;

export function defaultSessionParams(): SessionParams {
  return {
    maxConnections: 1,
    initialR2T: true,
    immediateData: true,
    maxBurstLength: 262144,
    firstBurstLength: 65536,
    defaultTime2Wait: 2,
    defaultTime2Retain: 20,
    maxOutstandingR2T: 1,
    dataPduInOrder: true,
    dataSequenceInOrder: true,
    errorRecoveryLevel: 0,
  };
}

export function defaultConnectionParams(): ConnectionParams {
  return {
    headerDigest: false,
    dataDigest: false,
    initiatorMaxRecvDataSegmentLength: 8192,
    targetMaxRecvDataSegmentLength: TARGET_LIMITS.maxRecvDataSegmentLength,
  };
}

function parseNumber(v: string, min: number, max: number): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(v)) n = Number.parseInt(v.slice(2), 16);
  else if (/^\d{1,10}$/.test(v)) n = Number(v);
  else return null;
  return n >= min && n <= max ? n : null;
}

const parseBool = (v: string): boolean | null => (v === 'Yes' ? true : v === 'No' ? false : null);
const yesNo = (b: boolean): string => (b ? 'Yes' : 'No');

/** Keys that only the leading connection of a session negotiates. */
const LEADING_ONLY = new Set([
  'MaxConnections',
  'InitialR2T',
  'ImmediateData',
  'MaxBurstLength',
  'FirstBurstLength',
  'DefaultTime2Wait',
  'DefaultTime2Retain',
  'MaxOutstandingR2T',
  'DataPDUInOrder',
  'DataSequenceInOrder',
  'ErrorRecoveryLevel',
]);

/** Keys answered by the login code itself (not operational parameters). */
export const LOGIN_KEYS = new Set([
  'InitiatorName',
  'InitiatorAlias',
  'TargetName',
  'SessionType',
  'AuthMethod',
  'CHAP_A',
  'CHAP_I',
  'CHAP_C',
  'CHAP_N',
  'CHAP_R',
]);

/** Negotiates operational keys over the Login Phase of one connection. */
export class OperationalNegotiation {
  readonly session: SessionParams;
  readonly connection = defaultConnectionParams();
  private declaredMrdsl = false;

  constructor(
    private readonly leading: boolean,
    session: SessionParams = defaultSessionParams(),
  ) {
    this.session = leading ? session : { ...session };
  }

  /** Our answers to the operational keys in `pairs` (login keys are skipped). */
  answer(pairs: TextPairs): TextPairs {
    const out: TextPairs = [];
    // FirstBurstLength may not exceed MaxBurstLength: settle MaxBurstLength first.
    const mbl = pairs.find(([k]) => k === 'MaxBurstLength');
    if (mbl && this.leading) this.answerOne(mbl[0], mbl[1]);
    for (const [key, value] of pairs) {
      if (LOGIN_KEYS.has(key)) continue;
      const reply = this.answerOne(key, value);
      if (reply !== null) out.push([key, reply]);
    }
    return out;
  }

  /** The declarations the target adds to its last operational answer if not yet made. */
  closingDeclarations(): TextPairs {
    if (this.declaredMrdsl) return [];
    this.declaredMrdsl = true;
    return [['MaxRecvDataSegmentLength', String(this.connection.targetMaxRecvDataSegmentLength)]];
  }

  /** FirstBurstLength may not exceed MaxBurstLength, whichever order they came in. */
  finish(): void {
    if (this.session.firstBurstLength > this.session.maxBurstLength) {
      this.session.firstBurstLength = this.session.maxBurstLength;
    }
  }

  private answerOne(key: string, value: string): string | null {
    const s = this.session;
    if (LEADING_ONLY.has(key) && !this.leading) return 'Irrelevant';
    switch (key) {
      case 'HeaderDigest':
      case 'DataDigest': {
        const offered = value.split(',');
        const pick = offered.find((d) => d === 'CRC32C' || d === 'None');
        if (!pick) return 'Reject';
        if (key === 'HeaderDigest') this.connection.headerDigest = pick === 'CRC32C';
        else this.connection.dataDigest = pick === 'CRC32C';
        return pick;
      }
      case 'MaxRecvDataSegmentLength': {
        const n = parseNumber(value, 512, 16777215);
        if (n === null) return 'Reject';
        this.connection.initiatorMaxRecvDataSegmentLength = n;
        // Declarative: we state ours in return.
        this.declaredMrdsl = true;
        return String(this.connection.targetMaxRecvDataSegmentLength);
      }
      case 'MaxConnections':
        return this.min(value, 1, 65535, TARGET_LIMITS.maxConnections, (n) => (s.maxConnections = n));
      case 'MaxBurstLength':
        return this.min(value, 512, 16777215, TARGET_LIMITS.maxBurstLength, (n) => (s.maxBurstLength = n));
      case 'FirstBurstLength':
        return this.min(
          value,
          512,
          16777215,
          Math.min(TARGET_LIMITS.firstBurstLength, s.maxBurstLength),
          (n) => (s.firstBurstLength = n),
        );
      case 'MaxOutstandingR2T':
        return this.min(value, 1, 65535, TARGET_LIMITS.maxOutstandingR2T, (n) => (s.maxOutstandingR2T = n));
      case 'ErrorRecoveryLevel':
        return this.min(value, 0, 2, TARGET_LIMITS.errorRecoveryLevel, (n) => (s.errorRecoveryLevel = n));
      case 'DefaultTime2Retain':
        return this.min(value, 0, 3600, TARGET_LIMITS.defaultTime2Retain, (n) => (s.defaultTime2Retain = n));
      case 'DefaultTime2Wait': {
        const n = parseNumber(value, 0, 3600);
        if (n === null) return 'Reject';
        s.defaultTime2Wait = Math.max(n, TARGET_LIMITS.defaultTime2Wait);
        return String(s.defaultTime2Wait);
      }
      // OR: the result is Yes if either side says Yes; this target is happy with either.
      case 'InitialR2T':
        return this.bool(value, (b) => (s.initialR2T = b));
      case 'DataPDUInOrder':
        // We need data in order, so we answer Yes, and OR makes it Yes.
        return this.bool(value, () => (s.dataPduInOrder = true), true);
      case 'DataSequenceInOrder':
        return this.bool(value, () => (s.dataSequenceInOrder = true), true);
      // AND: Yes only if both say Yes; we say Yes.
      case 'ImmediateData':
        return this.bool(value, (b) => (s.immediateData = b));
      // Markers (RFC 3720, obsoleted by RFC 7143): not supported, AND with No.
      case 'IFMarker':
      case 'OFMarker':
        return parseBool(value) === null ? 'Reject' : 'No';
      case 'IFMarkInt':
      case 'OFMarkInt':
        return 'Irrelevant';
      default:
        return 'NotUnderstood';
    }
  }

  private min(value: string, lo: number, hi: number, ours: number, set: (n: number) => void): string {
    const n = parseNumber(value, lo, hi);
    if (n === null) return 'Reject';
    const result = Math.min(n, ours);
    set(result);
    return String(result);
  }

  private bool(value: string, set: (b: boolean) => void, answer?: boolean): string {
    const b = parseBool(value);
    if (b === null) return 'Reject';
    const result = answer ?? b;
    set(result);
    return yesNo(result);
  }
}
