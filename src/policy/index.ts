/** The policy engine: pure builders, merge, diff, evaluator and proofs. */
export * from './types.js';
export * from './evaluate.js';
export * from './condition-keys.js';
export * from './constants.js';
export * from './arn.js';
export * from './pcr8.js';
export * from './key-policy.js';
export * from './bucket-policy.js';
export * from './iam-policies.js';
export * from './merge.js';
export * from './canonical.js';
export * from './diff.js';
export * from './lint.js';
export * from './proofs.js';
export * from './teardown-policy.js';
