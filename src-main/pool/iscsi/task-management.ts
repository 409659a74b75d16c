/**
 * Task Management Function requests (RFC 7143 section 11.5, SAM-5 section 7): ABORT TASK,
 * ABORT TASK SET / CLEAR TASK SET (this I_T nexus's tasks on one LUN), LOGICAL UNIT RESET (every
 * session's tasks on the LUN, and the LUN's own reset: POWER ON, RESET unit attention next),
 * TARGET WARM / COLD RESET (every LUN of the node; a cold reset also ends the sessions). What
 * this target does not do is answered as the RFC lists: CLEAR ACA (no ACA: NACA is refused) and
 * the SAM-5 query functions "not supported", TASK REASSIGN "allegiance reassignment not
 * supported" (ErrorRecoveryLevel 0), anything else "function rejected".
 */
import type { Connection } from './connection';
import { decodeLun, Flag, type Pdu, snLess, TargetOp, targetBhs } from './pdu';
import type { Session } from './session';

export const TmfFunction = {
  ABORT_TASK: 1,
  ABORT_TASK_SET: 2,
  CLEAR_ACA: 3,
  CLEAR_TASK_SET: 4,
  LOGICAL_UNIT_RESET: 5,
  TARGET_WARM_RESET: 6,
  TARGET_COLD_RESET: 7,
  TASK_REASSIGN: 8,
} as const;

export const TmfResponse = {
  FUNCTION_COMPLETE: 0,
  TASK_DOES_NOT_EXIST: 1,
  LUN_DOES_NOT_EXIST: 2,
  TASK_STILL_ALLEGIANT: 3,
  REASSIGNMENT_NOT_SUPPORTED: 4,
  NOT_SUPPORTED: 5,
  AUTHORIZATION_FAILED: 6,
  FUNCTION_REJECTED: 255,
} as const;

async function perform(conn: Connection, session: Session, pdu: Pdu): Promise<number> {
  const bhs = pdu.bhs;
  const fn = bhs[1]! & 0x7f;
  const lun = decodeLun(bhs);
  const node = session.node!;
  const lunExists = lun >= 0 && node.units.get(lun) !== undefined;
  switch (fn) {
    case TmfFunction.ABORT_TASK: {
      const ref = bhs.readUInt32BE(20);
      let found = 0;
      for (const c of session.connections.values()) found += await c.abortTasks((t) => t.itt === ref);
      if (found > 0) return TmfResponse.FUNCTION_COMPLETE;
      // Already answered (RefCmdSN before this TMF's CmdSN): it is complete, RFC 7143 11.5.1.
      const refCmdSN = bhs.readUInt32BE(32);
      const cmdSN = bhs.readUInt32BE(24);
      return snLess(refCmdSN, cmdSN) || refCmdSN === cmdSN
        ? TmfResponse.FUNCTION_COMPLETE
        : TmfResponse.TASK_DOES_NOT_EXIST;
    }
    case TmfFunction.ABORT_TASK_SET:
    case TmfFunction.CLEAR_TASK_SET:
      if (!lunExists) return TmfResponse.LUN_DOES_NOT_EXIST;
      await session.abortTasks((t) => t.lun === lun);
      return TmfResponse.FUNCTION_COMPLETE;
    case TmfFunction.LOGICAL_UNIT_RESET:
      if (!lunExists) return TmfResponse.LUN_DOES_NOT_EXIST;
      for (const s of conn.portal.sessionsOf(node)) await s.abortTasks((t) => t.lun === lun);
      node.units.get(lun)!.reset();
      return TmfResponse.FUNCTION_COMPLETE;
    case TmfFunction.TARGET_WARM_RESET:
    case TmfFunction.TARGET_COLD_RESET:
      for (const s of conn.portal.sessionsOf(node)) await s.abortTasks(() => true);
      for (const l of node.units.luns()) node.units.get(l)?.reset();
      return TmfResponse.FUNCTION_COMPLETE;
    case TmfFunction.CLEAR_ACA:
      return TmfResponse.NOT_SUPPORTED;
    case TmfFunction.TASK_REASSIGN:
      return TmfResponse.REASSIGNMENT_NOT_SUPPORTED;
    default:
      // SAM-5 QUERY TASK (9), QUERY TASK SET (10), I_T NEXUS RESET (11), QUERY ASYNC EVENT (12).
      return fn >= 9 && fn <= 12 ? TmfResponse.NOT_SUPPORTED : TmfResponse.FUNCTION_REJECTED;
  }
}

/** Answers one TMF request on `conn`. Never throws. */
export async function answerTaskManagement(conn: Connection, session: Session, pdu: Pdu): Promise<void> {
  let response: number;
  try {
    response = await perform(conn, session, pdu);
  } catch (e) {
    conn.portal.log(`iSCSI: task management failed: ${e instanceof Error ? e.message : String(e)}`);
    response = TmfResponse.FUNCTION_REJECTED;
  }
  const out = targetBhs(TargetOp.TASK_MGMT_RESPONSE, Flag.FINAL, 0);
  out[2] = response;
  out.writeUInt32BE(pdu.bhs.readUInt32BE(16), 16);
  conn.send(out, undefined, 'status');
  const fn = pdu.bhs[1]! & 0x7f;
  if (fn === TmfFunction.TARGET_COLD_RESET && response === TmfResponse.FUNCTION_COMPLETE) {
    // A cold reset ends every session to the node (SAM-5: a hard reset of the target).
    for (const s of conn.portal.sessionsOf(session.node!)) s.close('target cold reset');
  }
}
