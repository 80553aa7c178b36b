/**
 * What a check is: its catalogue entry, the reads it needs (fetched up front, in parallel, shared
 * with every other check), and a function from those reads to one outcome. A {@link Verdict}
 * collects what a check found; its status is FAIL when anything failed, else ERROR when a read it
 * needed could not be made, else WARN, else PASS — so an ERROR never becomes a PASS.
 */
import type { CheckMeta } from './catalogue.js';
import type { DeploymentReads } from './deployment-reads.js';
import type { HostFacts } from './host-facts.js';
import type { ProbeRunner } from './probe.js';
import type { ReadFailure } from './reads.js';
import type { AuditTarget } from './target.js';
import type { CheckStatus } from './types.js';

/** The reads a check may declare (methods of {@link DeploymentReads}). */
export type ReadName =
  | 'key'
  | 'keyPolicy'
  | 'keyRotation'
  | 'keyGrants'
  | 'bucket'
  | 'bucketPolicy'
  | 'bucketPublicAccessBlock'
  | 'bucketOwnership'
  | 'bucketVersioning'
  | 'bucketEncryption'
  | 'bucketEncryptionKey'
  | 'role'
  | 'roleInlinePolicies'
  | 'roleAttachedPolicies'
  | 'instanceProfiles'
  | 'roleInstanceProfiles'
  | 'instances'
  | 'instanceTypes'
  | 'securityGroups'
  | 'volumes'
  | 'userData'
  | 'trails'
  | 'keyEvents';

export interface CheckContext {
  target: AuditTarget;
  reads: DeploymentReads;
  /** Values computed once per deployment and shared by checks (the key-policy proofs). */
  derive<T>(name: string, compute: () => Promise<T>): Promise<T>;
  /** With `--host`: the host's facts (nitro-cli, systemd, files). */
  host?: HostFacts;
  /** With `--probe`: the negative test. */
  probe?: ProbeRunner;
}

export interface CheckOutcome {
  status: CheckStatus;
  resource: string;
  evidence: Record<string, unknown>;
}

export interface CheckDefinition extends CheckMeta {
  reads: readonly ReadName[];
  /** Runs only with this option (`--host`, `--probe`); SKIP otherwise. */
  requires?: 'host' | 'probe';
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** What a check found, turned into one outcome. */
export class Verdict {
  readonly #facts: Record<string, unknown> = {};
  readonly #problems: Record<string, unknown>[] = [];
  readonly #warnings: Record<string, unknown>[] = [];
  readonly #unreadable: ReadFailure[] = [];

  /** A fact that supports the verdict (shown whatever the status). */
  note(key: string, value: unknown): this {
    this.#facts[key] = value;
    return this;
  }

  fail(problem: Record<string, unknown>): this {
    this.#problems.push(problem);
    return this;
  }

  warn(warning: Record<string, unknown>): this {
    this.#warnings.push(warning);
    return this;
  }

  /** A read this check needed failed: the check cannot PASS. */
  unreadable(failure: ReadFailure): this {
    if (!this.#unreadable.some((f) => f.action === failure.action && f.message === failure.message))
      this.#unreadable.push(failure);
    return this;
  }

  get failed(): boolean {
    return this.#problems.length > 0;
  }

  status(): CheckStatus {
    if (this.#problems.length > 0) return 'FAIL';
    if (this.#unreadable.length > 0) return 'ERROR';
    if (this.#warnings.length > 0) return 'WARN';
    return 'PASS';
  }

  outcome(resource: string): CheckOutcome {
    const status = this.status();
    const evidence: Record<string, unknown> = { ...this.#facts };
    if (this.#problems.length > 0) evidence['problems'] = this.#problems;
    if (this.#warnings.length > 0) evidence['warnings'] = this.#warnings;
    if (this.#unreadable.length > 0) {
      const first = this.#unreadable[0] as ReadFailure;
      evidence['action'] = first.action;
      evidence['error'] = first.code;
      evidence['message'] = first.message;
      if (this.#unreadable.length > 1) evidence['unreadable'] = this.#unreadable;
    }
    return { status, resource, evidence };
  }
}

/** The outcome of a check that does not apply (its reason in the evidence). */
export function skipped(resource: string, reason: string): CheckOutcome {
  return { status: 'SKIP', resource, evidence: { reason } };
}

/** A statement reference for evidence: its index, Sid and the statement itself. */
export function statementEvidence(
  statements: readonly unknown[],
  index: number,
): { index: number; sid?: string; statement: unknown } {
  const statement = statements[index];
  const sid = (statement as { Sid?: unknown } | undefined)?.Sid;
  return { index, ...(typeof sid === 'string' ? { sid } : {}), statement };
}
