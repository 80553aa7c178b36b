/**
 * The corpus of broken deployments: each case breaks exactly one thing of a sound deployment
 * through the sandbox's ports (as the account's administrator), and names the checks that must
 * change and what they must become. Everything else must stay as the sound deployment's audit has
 * it. A few breaks cannot be made alone in AWS either (an instance type without enclave support
 * cannot have enclaves enabled; a public bucket policy needs BlockPublicPolicy off, kms:* is more
 * than the template): their cases name each check that changes, and why. The attacks
 * (corpus-attacks.ts) are the doors a check reading only the obvious field would miss.
 */
import { ATTACK_CASES } from './corpus-attacks.js';
import { EC2_TRAIL_CASES } from './corpus-ec2-trail.js';
import { KMS_CASES } from './corpus-kms.js';
import { S3_IAM_CASES } from './corpus-s3-iam.js';
import type { BrokenCase } from './corpus-support.js';

export type { BrokenCase } from './corpus-support.js';

export const CORPUS: BrokenCase[] = [...KMS_CASES, ...S3_IAM_CASES, ...EC2_TRAIL_CASES, ...ATTACK_CASES];
