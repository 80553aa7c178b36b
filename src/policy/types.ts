/**
 * The IAM policy grammar as data. Documents keep the shape they were given (a string stays a
 * string, an array stays an array) so that foreign statements survive a merge byte for byte; the
 * only normalisation is that `Statement` is always an array.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

export type Effect = 'Allow' | 'Deny';

/** A scalar as it may appear in a policy condition (`true` and `"true"` mean the same). */
export type ConditionScalar = string | number | boolean;
export type ConditionValues = ConditionScalar | ConditionScalar[];

/** `{ operator: { conditionKey: value | values } }`: operators AND, keys AND, values OR. */
export type ConditionBlock = Record<string, Record<string, ConditionValues>>;

export type StringOrList = string | string[];

export interface PrincipalMap {
  AWS?: StringOrList;
  Service?: StringOrList;
  Federated?: StringOrList;
  CanonicalUser?: StringOrList;
}
export type PrincipalBlock = '*' | PrincipalMap;

export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  Principal?: PrincipalBlock;
  NotPrincipal?: PrincipalBlock;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: ConditionBlock;
}

/** A policy document, normalised so that `Statement` is always an array. */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

/** A value in the request context; `undefined` means the key is known to be absent. */
export type ContextValue = string | string[] | boolean | number | undefined;

export interface RequestContext {
  /** The calling principal, e.g. `arn:aws:iam::123456789012:role/x` (for a role session, the role ARN). */
  principalArn: string;
  /** The caller's 12-digit account id. */
  principalAccount: string;
  /** The action, e.g. `kms:Decrypt`. */
  action: string;
  /** The resource ARN. */
  resource: string;
  /**
   * Condition keys → values, e.g. `kms:RecipientAttestation:PCR8`, `aws:SecureTransport`. Key names
   * are case-insensitive. `aws:PrincipalArn` and `aws:PrincipalAccount` are filled from the fields
   * above when not given. A key mapped to `undefined` is absent.
   */
  context: Record<string, ContextValue>;
  /**
   * Open world: a key not listed in `context` may be absent or hold any value, so every condition
   * on it is undecided. Proofs use this to quantify over everything they do not pin down. In the
   * default closed world a key not listed is absent, as in AWS.
   * @default false
   */
  openWorld?: boolean;
  /**
   * Keys that may hold any value (or be absent) even though `context` or the principal fields give
   * them one, e.g. `aws:PrincipalArn` when the request stands for "any principal of an account".
   * Ignored for `decision`, which reads the concrete values.
   */
  openKeys?: readonly string[];
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** Why the evaluator could not decide part of a statement. */
export type UndecidedReason =
  /** An operator that is not part of the IAM grammar (or not supported here). */
  | 'unknown-operator'
  /** A condition key that is neither a global key nor a known service key: likely misspelled. */
  | 'unrecognised-condition-key'
  /** A key that the request (open world) leaves open. */
  | 'open-condition-key'
  /** A `${…}` policy variable, which this evaluator does not substitute. */
  | 'policy-variable'
  /** A principal form the evaluator cannot match (partial wildcard, unknown principal type). */
  | 'unsupported-principal'
  /** A value of the wrong type for its operator or element. */
  | 'invalid-value'
  /** A combination whose semantics AWS does not document (a set operator with IfExists on a missing key). */
  | 'ambiguous-operator';

export interface Undecided {
  /** Index of the statement in its policy. */
  statement: number;
  element: 'Principal' | 'NotPrincipal' | 'Condition';
  reason: UndecidedReason;
  detail: string;
}

/**
 * The outcome of an evaluation.
 *
 * - `decision` is what AWS decides for exactly this request: keys not in the context are absent
 *   (also misspelled ones, as in AWS). Whatever the evaluator cannot understand (unknown operator,
 *   policy variable, unsupported principal form) fails closed: such an Allow does not apply and
 *   such a Deny does.
 * - `possibleDecisions` lists every decision that is reachable when all undecided parts (listed in
 *   `undecided`) may go either way. Proofs must use this set, never `decision` alone:
 *   "can never be allowed" means `!possibleDecisions.includes('Allow')`, "is always allowed" means
 *   `possibleDecisions` is exactly `['Allow']`.
 */
export interface EvaluationResult {
  decision: Decision;
  /** Indexes of the statements that apply to the request under `decision`'s reading. */
  matchedStatements: number[];
  possibleDecisions: Decision[];
  /** True when `possibleDecisions` has exactly one member. */
  certain: boolean;
  undecided: Undecided[];
}
