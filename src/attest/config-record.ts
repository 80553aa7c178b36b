/**
 * `attest`'s record of the PCR8 list in the config file (fireblocks.pcr8): planned with the policy
 * diff, shown beside it, confirmed by the same question, and written after the key policy was
 * written and read back. So the config and the key policy agree after every successful run, and
 * the next `provision` keeps the list instead of undoing a rotation.
 */
import {
  planPcr8Record,
  pcr8RecordLines,
  writePcr8Record,
  type ConfigFileRef,
  type Pcr8Record,
} from '../config/pcr8.js';
import { CosignerError, isCosignerError } from '../errors.js';
import { log, type IoHost } from '../io/io-host.js';

/** What the run did to the config's record of the PCR8 list (fireblocks.pcr8). */
export interface AttestConfigRecord {
  path: string;
  /** See {@link Pcr8Record.status}. */
  status: Pcr8Record['status'];
  /** The file holds the run's list (written now, or already). */
  recorded: boolean;
  /** The values the file admitted before and admits after the run. */
  before: string[];
  after: string[];
  /** Environment variables that override the record; they were left as they are. */
  overrides: string[];
}

/** One run's record step. */
export interface RecordStep {
  /** Warnings for the run: nothing recorded (no file), or env vars that override the record. */
  warnings: string[];
  /** The file needs a write. */
  changes: boolean;
  /** The record before anything is written. */
  planned: AttestConfigRecord;
  /** Show the config diff (stderr), next to the policy diff. */
  show(io: IoHost): void;
  /** Write the record (when it changes); `afterPolicyWrite` words the error if that fails. */
  write(io: IoHost, afterPolicyWrite: boolean): Promise<AttestConfigRecord>;
}

function toResult(record: Pcr8Record, recorded: boolean): AttestConfigRecord {
  return {
    path: record.path,
    status: record.status,
    recorded,
    before: record.before,
    after: record.after,
    overrides: record.overrides,
  };
}

function warningsOf(record: Pcr8Record): string[] {
  const flags = record.after.map((v) => `--pcr8 ${v}`).join(' ');
  if (record.status === 'no-file') {
    return [
      `nothing was recorded: there is no config file at ${record.path} to keep the PCR8 list in; ` +
        `record it with: cosigner-cli init ${flags} (plus the settings you gave attest), since provision plans the key policy from that file`,
    ];
  }
  return record.overrides.map(
    (env) =>
      `${env} is set and overrides fireblocks.pcr8 of ${record.path}: ${env === 'COSIGNER_PCR8' ? `set COSIGNER_PCR8=${record.after.join(',')}` : `unset ${env}`} so that the next provision keeps this list`,
  );
}

/** Plan the record of `list` in the config the run was loaded from. */
export async function planRecord(ref: ConfigFileRef, list: readonly string[]): Promise<RecordStep> {
  const record = await planPcr8Record(ref, list);
  const changes = record.status === 'change';
  return {
    warnings: warningsOf(record),
    changes,
    planned: toResult(record, record.status === 'unchanged'),
    show(io) {
      if (changes)
        io.notify({
          level: 'info',
          code: 'ATTEST_CONFIG_DIFF',
          message: pcr8RecordLines(record).join('\n'),
          data: { config: toResult(record, false) },
        });
    },
    async write(io, afterPolicyWrite) {
      if (!changes) return toResult(record, record.status === 'unchanged');
      try {
        await writePcr8Record(ref, record);
      } catch (error) {
        const what = afterPolicyWrite ? 'the key policy was written, but its PCR8 list' : 'the PCR8 list';
        throw new CosignerError(
          isCosignerError(error) ? error.code : 'FILE_UNWRITABLE',
          `${what} was not recorded in ${record.path}: ${error instanceof Error ? error.message : String(error)}`,
          {
            hint: `set fireblocks.pcr8 to ${JSON.stringify(record.fileValue ?? record.after)} in ${record.path} by hand, so that provision keeps this list`,
            cause: error,
          },
        );
      }
      log.info(io, 'ATTEST_RECORDED', `PCR8 list recorded in ${record.path}`);
      return toResult(record, true);
    },
  };
}
