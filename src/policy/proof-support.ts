/**
 * Small pieces both proof modules use: the worst-case identity policy, and how a finding names the
 * statements involved in a request.
 */
import { evaluateStatement } from './evaluate.js';
import type { PolicyDocument, RequestContext } from './types.js';

/** IAM policies cannot be read here, so proofs assume the worst: they allow everything. */
export const IAM_ALLOWS_ALL: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

export function statementRef(policy: PolicyDocument, index: number): { index: number; sid?: string } {
  const sid = policy.Statement[index]?.Sid;
  return sid === undefined ? { index } : { index, sid };
}

/** Statements that apply or might apply to a request, with a given effect. */
export function involved(policy: PolicyDocument, request: RequestContext, effect: 'Allow' | 'Deny'): number[] {
  return policy.Statement.flatMap((statement, index) => {
    if (statement.Effect !== effect) return [];
    return evaluateStatement(statement, request, index).applies === false ? [] : [index];
  });
}
