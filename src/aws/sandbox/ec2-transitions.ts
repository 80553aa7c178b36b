/**
 * States of the asynchronous EC2 network resources as pure functions of time, like instances:
 * a NAT gateway is `pending` then `available`, `deleting` then `deleted`; a VPC endpoint likewise
 * (`pending` → `available`, `deleting` → `deleted`). The transition takes `instanceTransitionMs`.
 * Deleted ones stay visible for an hour, as in EC2.
 */
import type { NatGatewayRecord, VpcEndpointRecord } from './state.js';

export type NatState = 'pending' | 'available' | 'deleting' | 'deleted';
export type EndpointState = 'pending' | 'available' | 'deleting' | 'deleted';

/** Deleted NAT gateways and endpoints drop out of Describe calls after an hour. */
const DELETED_VISIBLE_MS = 3_600_000;

function stateAt(createdAt: string, deletedAt: string | undefined, now: Date, transitionMs: number): NatState {
  if (deletedAt !== undefined) return now.getTime() - Date.parse(deletedAt) >= transitionMs ? 'deleted' : 'deleting';
  return now.getTime() - Date.parse(createdAt) >= transitionMs ? 'available' : 'pending';
}

export function natState(nat: NatGatewayRecord, now: Date, transitionMs: number): NatState {
  return stateAt(nat.createdAt, nat.deletedAt, now, transitionMs);
}

export function endpointState(endpoint: VpcEndpointRecord, now: Date, transitionMs: number): EndpointState {
  return stateAt(endpoint.createdAt, endpoint.deletedAt, now, transitionMs);
}

/** Still listed by Describe calls (not deleted more than an hour ago). */
export function stillVisible(record: { deletedAt?: string }, now: Date): boolean {
  return record.deletedAt === undefined || now.getTime() - Date.parse(record.deletedAt) < DELETED_VISIBLE_MS;
}
