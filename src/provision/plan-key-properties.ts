/**
 * Whether the co-signer's key is one its key policy can protect: KMS-generated material, no custom
 * key store, single-Region, symmetric encryption, and no grants but those the config accepts by id
 * (src/policy/key-properties.ts). Every key the plan keeps is checked, adopted (kms.keyId) or
 * found by alias and marker: the marker is a description anyone who may call kms:CreateKey can
 * write, so a multi-Region or imported-material key planted under the alias with it would
 * otherwise be taken as made by this tool. Pure; runs in the plan, before any write.
 */
import { isCosignerError, type CosignerError } from '../errors.js';
import {
  assertKeyProperties,
  checkKeyProperties,
  keyPolicyHistory,
  type KeyPropertiesReport,
} from '../policy/key-properties.js';
import type { DesiredState } from './desired.js';
import type { ObservedKey } from './observed.js';

export interface AdoptedKeyCheck {
  /** Set when the key must be refused (KEY_UNPROTECTABLE, KEY_HAS_GRANTS, KEY_GRANTS_UNREADABLE). */
  refusal?: CosignerError;
  /** Warnings for the plan's notes (accepted grants, grants that cannot be listed). */
  notes: string[];
}

/** `createdByCosigner`: the key carries this tool's marker (its policy history is then ours to vouch for). */
export function checkKey(desired: DesiredState, key: ObservedKey, createdByCosigner: boolean): AdoptedKeyCheck {
  return verdict(propertiesOf(desired, key, createdByCosigner));
}

function propertiesOf(desired: DesiredState, key: ObservedKey, createdByCosigner: boolean): KeyPropertiesReport {
  return checkKeyProperties({
    keyArn: key.arn,
    metadata: {
      Origin: key.origin,
      MultiRegion: key.multiRegion,
      CustomKeyStoreId: key.customKeyStoreId,
      KeySpec: key.spec,
      KeyUsage: key.usage,
    },
    grants: key.grants ?? { listed: false, reason: 'they were not read' },
    acceptedGrantIds: desired.key.acceptedGrants ?? [],
    history: keyPolicyHistory(createdByCosigner, key.policy),
  });
}

function verdict(report: KeyPropertiesReport): AdoptedKeyCheck {
  const notes = report.findings.filter((finding) => finding.severity === 'warning').map((finding) => finding.message);
  try {
    assertKeyProperties(report);
  } catch (error) {
    if (isCosignerError(error)) return { refusal: error, notes };
    throw error;
  }
  return { notes };
}
