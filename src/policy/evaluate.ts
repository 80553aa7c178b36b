/**
 * A pure evaluator for the IAM policy grammar, following AWS's documented evaluation logic
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny wins, then any Allow, else an implicit deny.
 *
 * Supported: Effect, Principal/NotPrincipal (AWS, Service, `*`, account ids and `:root` ARNs),
 * Action/NotAction and Resource/NotResource with `*` and `?` wildcards, every IAM condition
 * operator (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, Null) with
 * `…IfExists` and `ForAnyValue:`/`ForAllValues:`.
 *
 * Fail-closed contract: what the evaluator does not understand (an unknown operator, an
 * unrecognised or misspelled condition key, a `${…}` policy variable, a partial-wildcard principal)
 * never counts as "no effect". It is reported in `undecided`, it widens `possibleDecisions`, and
 * for `decision` an Allow that depends on it does not apply while a Deny that depends on it does.
 * Proofs read `possibleDecisions`; see {@link EvaluationResult}.
 */
import { contextMap, evaluateCondition } from './conditions.js';
import { actionMatches, arnMatches, matchPrincipalBlock, type PrincipalMatch } from './match.js';
import { toList } from './parse.js';
import { and, or, undecided, type Scope, type Tri } from './three-valued.js';
import type {
  Decision,
  EvaluationResult,
  PolicyDocument,
  PolicyStatement,
  RequestContext,
  Undecided,
} from './types.js';

export type { EvaluationResult, PolicyDocument, PolicyStatement, RequestContext, Undecided } from './types.js';

// The evaluator's parts, re-exported so that this module stays the one entry point.
export { parsePolicyDocument, toList, toPolicyDocument } from './parse.js';
export { type PrincipalMatch } from './match.js';
export { parseOperator } from './conditions.js';
export { type Tri } from './three-valued.js';

// ---------------------------------------------------------------------------------------------
// Statements and policies

/** How one statement relates to a request. */
export interface StatementOutcome {
  /** Does the statement apply (principal, action, resource and condition all match)? */
  applies: Tri;
  /** How the principal matched; identity-policy statements (no Principal) match `direct`. */
  principal: PrincipalMatch;
}

/**
 * Evaluate one statement. `closedWorld` reads unrecognised keys as absent (AWS's behaviour);
 * otherwise they are undecided.
 */
export function evaluateStatement(
  statement: PolicyStatement,
  request: RequestContext,
  index: number,
  options: { closedWorld?: boolean; undecided?: Undecided[] } = {},
): StatementOutcome {
  const scope: Scope = { statement: index, undecided: options.undecided ?? [] };
  const context = contextMap(request);

  let principal: PrincipalMatch = 'direct';
  if (statement.Principal !== undefined)
    principal = matchPrincipalBlock(statement.Principal, request, scope, 'Principal');
  else if (statement.NotPrincipal !== undefined) {
    const excluded = matchPrincipalBlock(statement.NotPrincipal, request, scope, 'NotPrincipal');
    principal = excluded === 'maybe' ? 'maybe' : excluded === 'none' ? 'direct' : 'none';
  }
  const principalTri: Tri = principal === 'maybe' ? 'maybe' : principal !== 'none';

  const action: Tri =
    statement.Action !== undefined
      ? toList(statement.Action).some((pattern) => actionMatches(pattern, request.action))
      : !toList(statement.NotAction).some((pattern) => actionMatches(pattern, request.action));

  let resource: Tri = true;
  const resources = statement.Resource ?? statement.NotResource;
  if (resources !== undefined) {
    const patterns = toList(resources);
    if (patterns.some((pattern) => pattern.includes('${')))
      resource = undecided(scope, 'Condition', 'policy-variable', `resource ${patterns.join(', ')}`);
    else {
      const hit = patterns.some((pattern) => arnMatches(pattern, request.resource));
      resource = statement.Resource !== undefined ? hit : !hit;
    }
  }

  // Skip the condition when the statement cannot apply anyway (fewer spurious undecided notes).
  const head = and([principalTri, action, resource]);
  const condition =
    head === false ? false : evaluateCondition(statement, request, context, scope, options.closedWorld === true);
  return { applies: and([head, condition]), principal };
}

interface PolicyOutcome {
  /** Per statement: applies under the three-valued reading. */
  tri: Tri[];
  /** Per statement: applies under AWS's reading with fail-closed resolution of undecided parts. */
  aws: boolean[];
  principals: PrincipalMatch[];
  undecided: Undecided[];
}

function evaluateStatements(policy: PolicyDocument, request: RequestContext): PolicyOutcome {
  const undecidedList: Undecided[] = [];
  const tri: Tri[] = [];
  const aws: boolean[] = [];
  const principals: PrincipalMatch[] = [];
  policy.Statement.forEach((statement, index) => {
    const open = evaluateStatement(statement, request, index, { undecided: undecidedList });
    tri.push(open.applies);
    principals.push(open.principal);
    const closed = evaluateStatement(statement, request, index, { closedWorld: true });
    // Fail closed for `decision`: an undecidable Allow does not apply, an undecidable Deny does.
    aws.push(closed.applies === 'maybe' ? statement.Effect === 'Deny' : closed.applies);
  });
  return { tri, aws, principals, undecided: undecidedList };
}

/** The set of decisions reachable from a (possibly undecided) deny and allow. */
function possible(deny: Tri, allow: Tri): Decision[] {
  if (deny === true) return ['ExplicitDeny'];
  const result: Decision[] = deny === 'maybe' ? ['ExplicitDeny'] : [];
  if (allow !== false) result.push('Allow');
  if (allow !== true) result.push('ImplicitDeny');
  return result;
}

function decide(deny: boolean, allow: boolean): Decision {
  return deny ? 'ExplicitDeny' : allow ? 'Allow' : 'ImplicitDeny';
}

function effectTri(
  policy: PolicyDocument,
  outcome: PolicyOutcome,
  effect: 'Allow' | 'Deny',
  principal?: (match: PrincipalMatch) => boolean,
): Tri {
  return or(
    policy.Statement.map((statement, index) => {
      if (statement.Effect !== effect) return false;
      const match = outcome.principals[index] ?? 'none';
      if (principal !== undefined && match !== 'maybe' && !principal(match)) return false;
      return outcome.tri[index] ?? false;
    }),
  );
}
function effectAws(
  policy: PolicyDocument,
  outcome: PolicyOutcome,
  effect: 'Allow' | 'Deny',
  principal?: (match: PrincipalMatch) => boolean,
): boolean {
  return policy.Statement.some((statement, index) => {
    if (statement.Effect !== effect || outcome.aws[index] !== true) return false;
    const match = outcome.principals[index] ?? 'none';
    // An undecidable principal counts for a Deny and not for an Allow (fail closed).
    if (match === 'maybe') return effect === 'Deny';
    return principal === undefined || principal(match);
  });
}

function result(
  decision: Decision,
  matched: number[],
  decisions: Decision[],
  undecidedList: Undecided[],
): EvaluationResult {
  return {
    decision,
    matchedStatements: matched,
    possibleDecisions: decisions,
    certain: decisions.length === 1,
    undecided: undecidedList,
  };
}

/**
 * Evaluate one policy on its own. A principal that matches only through its account (a Principal of
 * `123456789012` or `arn:aws:iam::123456789012:root`) counts as a match here; use
 * {@link evaluateAccess} for the resource-plus-identity logic in which that means delegation.
 */
export function evaluatePolicy(policy: PolicyDocument, request: RequestContext): EvaluationResult {
  const outcome = evaluateStatements(policy, request);
  const deny = effectTri(policy, outcome, 'Deny');
  const allow = effectTri(policy, outcome, 'Allow');
  const decision = decide(effectAws(policy, outcome, 'Deny'), effectAws(policy, outcome, 'Allow'));
  const matched = outcome.aws.flatMap((applies, index) => (applies ? [index] : []));
  return result(decision, matched, possible(deny, allow), outcome.undecided);
}

export interface AccessOptions {
  /**
   * `kms`: the resource policy is a KMS key policy. It must allow the call itself, either naming the
   * caller (or `*`), or naming the caller's account, which delegates to the account's IAM policies.
   * `generic`: same-account calls are allowed when either the resource policy or an identity
   * policy allows (S3 bucket policies and most resource policies).
   * @default 'kms'
   */
  service?: 'kms' | 'generic';
  /** The account owning the resource; cross-account calls need both sides. Default: the account in the resource ARN, else the caller's. */
  resourceAccount?: string;
}

export interface AccessResult extends EvaluationResult {
  /** How an Allow was reached, when it was. */
  allowedBy: 'resource-policy' | 'identity-policy' | 'delegation' | undefined;
  /** Matched statement indexes in the identity policies, as `[policyIndex, statementIndex]`. */
  matchedIdentityStatements: [number, number][];
  /** Undecided parts of the identity policies, as `[policyIndex, undecided]`. */
  identityUndecided: [number, Undecided][];
}

/**
 * Evaluate a resource policy together with the caller's identity policies, the AWS way.
 * Explicit Deny anywhere wins. Same account: for `generic` either side may allow; for `kms` the
 * key policy must allow the caller directly, or delegate to the caller's account (Principal = the
 * account) in which case an identity policy must allow too. Cross account: both must allow.
 * `matchedStatements` and `undecided` refer to the resource policy.
 */
export function evaluateAccess(
  resourcePolicy: PolicyDocument,
  request: RequestContext,
  identityPolicies: readonly PolicyDocument[] = [],
  options: AccessOptions = {},
): AccessResult {
  const service = options.service ?? 'kms';
  const resourceAccount =
    options.resourceAccount ??
    /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(request.resource)?.[1] ??
    request.principalAccount;
  const sameAccount = resourceAccount === request.principalAccount;
  const rp = evaluateStatements(resourcePolicy, request);
  const ids = identityPolicies.map((policy) => evaluateStatements(policy, request));

  const direct = (match: PrincipalMatch) => match === 'direct';
  const anyMatch = (match: PrincipalMatch) => match !== 'none';

  // Three-valued reading (for possibleDecisions).
  const deny = or([
    effectTri(resourcePolicy, rp, 'Deny'),
    ...ids.map((outcome, i) => effectTri(identityPolicies[i] as PolicyDocument, outcome, 'Deny')),
  ]);
  const idAllow = or(ids.map((outcome, i) => effectTri(identityPolicies[i] as PolicyDocument, outcome, 'Allow')));
  const rpDirect = effectTri(resourcePolicy, rp, 'Allow', direct);
  const rpAny = effectTri(resourcePolicy, rp, 'Allow', anyMatch);
  let allow: Tri;
  if (!sameAccount) allow = and([rpAny, idAllow]);
  else if (service === 'kms') allow = or([rpDirect, and([rpAny, idAllow])]);
  else allow = or([rpAny, idAllow]);

  // AWS reading (for decision).
  const denyAws =
    effectAws(resourcePolicy, rp, 'Deny') ||
    ids.some((outcome, i) => effectAws(identityPolicies[i] as PolicyDocument, outcome, 'Deny'));
  const idAllowAws = ids.some((outcome, i) => effectAws(identityPolicies[i] as PolicyDocument, outcome, 'Allow'));
  const rpDirectAws = effectAws(resourcePolicy, rp, 'Allow', direct);
  const rpAnyAws = effectAws(resourcePolicy, rp, 'Allow', anyMatch);
  let allowedBy: AccessResult['allowedBy'];
  if (!denyAws) {
    if (!sameAccount) allowedBy = rpAnyAws && idAllowAws ? 'identity-policy' : undefined;
    else if (service === 'kms')
      allowedBy = rpDirectAws ? 'resource-policy' : rpAnyAws && idAllowAws ? 'delegation' : undefined;
    else allowedBy = rpAnyAws ? 'resource-policy' : idAllowAws ? 'identity-policy' : undefined;
  }
  const decision: Decision = denyAws ? 'ExplicitDeny' : allowedBy !== undefined ? 'Allow' : 'ImplicitDeny';
  const matched = rp.aws.flatMap((applies, index) => (applies ? [index] : []));
  return {
    ...result(decision, matched, possible(deny, allow), rp.undecided),
    allowedBy,
    matchedIdentityStatements: ids.flatMap((outcome, p) =>
      outcome.aws.flatMap((applies, s): [number, number][] => (applies ? [[p, s]] : [])),
    ),
    identityUndecided: ids.flatMap((outcome, p) => outcome.undecided.map((entry): [number, Undecided] => [p, entry])),
  };
}

/** Shorthand: a KMS key policy with the caller's identity policies (see {@link evaluateAccess}). */
export function evaluateKeyPolicy(
  keyPolicy: PolicyDocument,
  request: RequestContext,
  identityPolicies: readonly PolicyDocument[] = [],
): AccessResult {
  return evaluateAccess(keyPolicy, request, identityPolicies, { service: 'kms' });
}
