/**
 * Can the key policy let the caller make a call on the key? Provision and destroy ask this of every
 * KMS call they plan, before any write, so that a run by someone the key policy does not admit
 * (for example a dedicated key administrator named in `kms.adminArns` while another identity
 * runs the tool) is refused whole instead of failing half-way, with a live key whose rotation
 * is off or a host already deleted.
 *
 * KMS admits a caller when the key policy allows it directly, or allows its account (which hands
 * the decision to the account's IAM policies). The caller's IAM policies are not known here, so
 * they are taken to allow everything: the answer "refused" holds whatever they say, and that is
 * the only answer acted on. Conditions on keys the request does not pin are left open (an open
 * world), so a call is called refused only when no value of them could let it through.
 * https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-key-policy.html
 */
import { toList } from './parse.js';
import { accountOfPrincipal, isSessionOfRole, parseSessionArn } from './arn.js';
import { evaluateKeyPolicy } from './evaluate.js';
import type { PolicyDocument } from './types.js';

const ALLOW_EVERYTHING: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/**
 * The principal KMS evaluates for `callerArn`: a role session is its role. A session ARN does not
 * carry the role's path, so the role is the one of that name the policy names, when it names one.
 */
function evaluatedPrincipal(policy: PolicyDocument, callerArn: string): string {
  const session = parseSessionArn(callerArn);
  if (session === undefined) return callerArn;
  const named = policy.Statement.flatMap((statement) => {
    const principal = statement.Principal;
    if (principal === undefined || typeof principal === 'string') return [];
    return toList(principal.AWS).filter((arn) => isSessionOfRole(callerArn, arn));
  });
  return named[0] ?? `arn:${session.partition}:iam::${session.accountId}:role/${session.roleName}`;
}

/** True when the key policy refuses `action` on `keyArn` to `callerArn`, whatever IAM allows. */
export function keyPolicyRefusesCaller(
  policy: PolicyDocument,
  keyArn: string,
  callerArn: string,
  action: string,
): boolean {
  const principalArn = evaluatedPrincipal(policy, callerArn);
  const account = accountOfPrincipal(principalArn);
  if (account === undefined) return false;
  const result = evaluateKeyPolicy(
    policy,
    { principalArn, principalAccount: account, action, resource: keyArn, context: {}, openWorld: true },
    [ALLOW_EVERYTHING],
  );
  return !result.possibleDecisions.includes('Allow');
}
