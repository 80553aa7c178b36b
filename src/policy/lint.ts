/**
 * Static findings on a policy document, independent of any request: things the evaluator cannot
 * decide (unknown operators, misspelled keys, policy variables) and shapes that deserve a look
 * (`Principal: "*"` or `NotAction` in an Allow, attestation keys under `…IfExists` or negated
 * operators, duplicate Sids). The proofs decide what is actually dangerous; these explain why.
 */
import { isAttestationKey, isRecognisedConditionKey } from './condition-keys.js';
import { parseOperator, toList } from './evaluate.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

export type LintCode =
  | 'UNKNOWN_OPERATOR'
  | 'UNRECOGNISED_CONDITION_KEY'
  | 'POLICY_VARIABLE'
  | 'DUPLICATE_SID'
  | 'WILDCARD_PRINCIPAL_ALLOW'
  | 'NOT_ACTION_ALLOW'
  | 'NOT_PRINCIPAL_ALLOW'
  | 'ATTESTATION_KEY_WEAK_OPERATOR'
  | 'PARTIAL_WILDCARD_PRINCIPAL';

export interface LintFinding {
  code: LintCode;
  severity: 'error' | 'warning';
  statement: number;
  sid?: string;
  message: string;
}

const NEGATED = /not/i;

function isWildcardPrincipal(statement: PolicyStatement): boolean {
  const principal = statement.Principal;
  if (principal === undefined) return false;
  if (principal === '*') return true;
  return toList(principal.AWS).includes('*');
}

/** Static findings for a policy. Errors make the proofs refuse; warnings are shown. */
export function lintPolicy(policy: PolicyDocument): LintFinding[] {
  const findings: LintFinding[] = [];
  const sids = new Map<string, number>();
  policy.Statement.forEach((statement, index) => {
    const at = { statement: index, ...(statement.Sid === undefined ? {} : { sid: statement.Sid }) };
    const name = statement.Sid === undefined ? `statement #${index}` : `statement ${JSON.stringify(statement.Sid)}`;
    if (statement.Sid !== undefined && statement.Sid !== '') {
      if (sids.has(statement.Sid))
        findings.push({
          code: 'DUPLICATE_SID',
          severity: 'warning',
          ...at,
          message: `${name} repeats the Sid of statement #${sids.get(statement.Sid)}`,
        });
      else sids.set(statement.Sid, index);
    }
    if (statement.Effect === 'Allow') {
      if (isWildcardPrincipal(statement))
        findings.push({
          code: 'WILDCARD_PRINCIPAL_ALLOW',
          severity: 'warning',
          ...at,
          message: `${name} allows any principal ("*")`,
        });
      if (statement.NotAction !== undefined)
        findings.push({
          code: 'NOT_ACTION_ALLOW',
          severity: 'warning',
          ...at,
          message: `${name} allows every action except those listed (NotAction)`,
        });
      if (statement.NotPrincipal !== undefined)
        findings.push({
          code: 'NOT_PRINCIPAL_ALLOW',
          severity: 'warning',
          ...at,
          message: `${name} allows every principal except those listed (NotPrincipal)`,
        });
    }
    const principals = [statement.Principal, statement.NotPrincipal].flatMap((block) =>
      block === undefined || block === '*' ? [] : toList(block.AWS),
    );
    for (const principal of principals) {
      if (principal !== '*' && (principal.includes('*') || principal.includes('?'))) {
        findings.push({
          code: 'PARTIAL_WILDCARD_PRINCIPAL',
          severity: 'error',
          ...at,
          message: `${name} uses a wildcard inside the principal ${principal}, which AWS does not support`,
        });
      }
    }
    for (const [operatorName, block] of Object.entries(statement.Condition ?? {})) {
      const operator = parseOperator(operatorName);
      if (operator === undefined)
        findings.push({
          code: 'UNKNOWN_OPERATOR',
          severity: 'error',
          ...at,
          message: `${name} uses the unknown condition operator ${operatorName}`,
        });
      for (const [key, values] of Object.entries(block)) {
        if (!isRecognisedConditionKey(key))
          findings.push({
            code: 'UNRECOGNISED_CONDITION_KEY',
            severity: 'warning',
            ...at,
            message: `${name} uses the unrecognised condition key ${key} (misspelled? AWS treats an unknown key as absent)`,
          });
        if (
          (Array.isArray(values) ? values : [values]).some((value) => typeof value === 'string' && value.includes('${'))
        ) {
          findings.push({
            code: 'POLICY_VARIABLE',
            severity: 'warning',
            ...at,
            message: `${name} uses a policy variable in ${operatorName} ${key}`,
          });
        }
        if (
          statement.Effect === 'Allow' &&
          operator !== undefined &&
          isAttestationKey(key) &&
          (operator.ifExists ||
            operator.set === 'ForAllValues' ||
            NEGATED.test(operator.base) ||
            operator.base === 'null')
        ) {
          findings.push({
            code: 'ATTESTATION_KEY_WEAK_OPERATOR',
            severity: 'warning',
            ...at,
            message: `${name} tests ${key} with ${operatorName}, which also matches requests without an attestation`,
          });
        }
      }
    }
  });
  return findings;
}
