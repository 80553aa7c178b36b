/** The policy engine: pure builders, merge, diff, evaluator and proofs. */
export * from './types.js';
export * from './evaluate.js';
export * from './condition-keys.js';
