/**
 * The negative test (`verify --probe`): as the host's role, ask KMS for a data key WITHOUT an
 * attestation document. A sound key policy denies it; a data key returned means anyone with the
 * role's credentials (root on the host) can decrypt the co-signer's database. The data key, if one
 * comes back, is dropped at once and never reported.
 */
import { isAwsErrorNamed } from '../aws/errors.js';
import type { KMSPort } from '../aws/kms.js';
import type { STSPort } from '../aws/sts.js';
import { toFailure, ReadCallError, type ReadFailure } from './reads.js';

export type ProbeResult =
  | { outcome: 'denied'; caller: string; error: string; message: string }
  | { outcome: 'allowed'; caller: string }
  /** The probe could not run, or did not run as the role (ERROR, never PASS). */
  | { outcome: 'inconclusive'; caller: string | undefined; failure: ReadFailure };

export interface ProbeRunner {
  generateDataKeyWithoutAttestation(keyArn: string, roleName: string): Promise<ProbeResult>;
}

/** The probe over ports that call as the host's role (the instance profile's credentials on the host). */
export function createProbe(ports: {
  kms: Pick<KMSPort, 'generateDataKey'>;
  sts: Pick<STSPort, 'getCallerIdentity'>;
}): ProbeRunner {
  return {
    async generateDataKeyWithoutAttestation(keyArn, roleName) {
      let caller: string | undefined;
      try {
        caller = (await ports.sts.getCallerIdentity({})).Arn;
      } catch (error) {
        return {
          outcome: 'inconclusive',
          caller,
          failure: toFailure(new ReadCallError('sts:GetCallerIdentity', error)),
        };
      }
      // Only a call made as the co-signer's role says anything about the role's access.
      if (caller === undefined || !new RegExp(`:assumed-role/${escapeRegExp(roleName)}/`).test(caller))
        return {
          outcome: 'inconclusive',
          caller,
          failure: {
            action: 'kms:GenerateDataKey',
            code: 'VERIFY_INCOMPLETE',
            message: `the probe must run as the co-signer role ${roleName} (on the host); it ran as ${caller ?? 'an unknown caller'}`,
          },
        };
      try {
        const out = await ports.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' });
        out.Plaintext?.fill(0);
        return { outcome: 'allowed', caller };
      } catch (error) {
        if (isAwsErrorNamed(error, 'AccessDeniedException'))
          return { outcome: 'denied', caller, error: 'AccessDeniedException', message: (error as Error).message };
        return { outcome: 'inconclusive', caller, failure: toFailure(new ReadCallError('kms:GenerateDataKey', error)) };
      }
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
