/**
 * The simulated KMS behind {@link KMSPort}. Behaviour spec: ./README.md, "KMS".
 *
 * Every call is authorized by evaluating the key policy (and the caller's IAM policies, for
 * delegation to the account) with src/policy's evaluator, then the key's grants. Calls that carry
 * `Recipient.AttestationDocument` have the document verified against the sandbox's trusted
 * attestation roots, and its PCRs become `kms:RecipientAttestation:PCRn` / `ImageSha384` context
 * keys, so a policy pinned to another PCR8 really denies.
 *
 * The class wires each operation to the engine; the operations themselves live in the sibling
 * `kms-*.ts` files, by concern.
 */
import type * as SDK from '@aws-sdk/client-kms';
import type { KMSPort } from '../kms.js';
import type { SandboxEngine, Tx } from './engine.js';
import { createAlias, deleteAlias, listAliases, updateAlias } from './kms-aliases.js';
import { decrypt, encrypt, generateDataKey } from './kms-crypto.js';
import {
  cancelKeyDeletion,
  createKey,
  disableKeyRotation,
  describeKey,
  enableKeyRotation,
  getKeyRotationStatus,
  listKeys,
  scheduleKeyDeletion,
  setKeyEnabled,
} from './kms-key-lifecycle.js';
import { createGrant, listGrants, revokeGrant } from './kms-grants.js';
import { getKeyPolicy, putKeyPolicy } from './kms-policy.js';
import { listResourceTags, tagResource } from './kms-tags.js';

export class SandboxKMS implements KMSPort {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  #call<O extends object>(operation: string, write: boolean, input: object, run: (tx: Tx) => O) {
    return this.#engine.call({ service: 'kms', operation, write, input, run });
  }

  createKey(input: SDK.CreateKeyCommandInput) {
    return this.#call('CreateKey', true, input, (tx) => createKey(tx, input));
  }

  describeKey(input: SDK.DescribeKeyCommandInput) {
    return this.#call('DescribeKey', false, input, (tx) => describeKey(tx, input));
  }

  listKeys(input: SDK.ListKeysCommandInput) {
    return this.#call('ListKeys', false, input, (tx) => listKeys(tx, input));
  }

  getKeyPolicy(input: SDK.GetKeyPolicyCommandInput) {
    return this.#call('GetKeyPolicy', false, input, (tx) => getKeyPolicy(tx, input));
  }

  putKeyPolicy(input: SDK.PutKeyPolicyCommandInput) {
    return this.#call('PutKeyPolicy', true, input, (tx) => putKeyPolicy(tx, input));
  }

  createAlias(input: SDK.CreateAliasCommandInput) {
    return this.#call('CreateAlias', true, input, (tx) => createAlias(tx, input));
  }

  updateAlias(input: SDK.UpdateAliasCommandInput) {
    return this.#call('UpdateAlias', true, input, (tx) => updateAlias(tx, input));
  }

  deleteAlias(input: SDK.DeleteAliasCommandInput) {
    return this.#call('DeleteAlias', true, input, (tx) => deleteAlias(tx, input));
  }

  listAliases(input: SDK.ListAliasesCommandInput) {
    return this.#call('ListAliases', false, input, (tx) => listAliases(tx, input));
  }

  enableKeyRotation(input: SDK.EnableKeyRotationCommandInput) {
    return this.#call('EnableKeyRotation', true, input, (tx) => enableKeyRotation(tx, input));
  }

  /** Not in {@link KMSPort}: the CLI never turns rotation off (tests break a deployment with it). */
  disableKeyRotation(input: SDK.DisableKeyRotationCommandInput) {
    return this.#call('DisableKeyRotation', true, input, (tx) => disableKeyRotation(tx, input));
  }

  getKeyRotationStatus(input: SDK.GetKeyRotationStatusCommandInput) {
    return this.#call('GetKeyRotationStatus', false, input, (tx) => getKeyRotationStatus(tx, input));
  }

  scheduleKeyDeletion(input: SDK.ScheduleKeyDeletionCommandInput) {
    return this.#call('ScheduleKeyDeletion', true, input, (tx) => scheduleKeyDeletion(tx, input));
  }

  cancelKeyDeletion(input: SDK.CancelKeyDeletionCommandInput) {
    return this.#call('CancelKeyDeletion', true, input, (tx) => cancelKeyDeletion(tx, input));
  }

  // EnableKey and DisableKey are not in the port (the CLI never calls them): an operator recovers a
  // key after `destroy --delete-key` with the AWS CLI, and tests do the same here.
  enableKey(input: SDK.EnableKeyCommandInput) {
    return this.#call('EnableKey', true, input, (tx) => setKeyEnabled(tx, input, true));
  }

  disableKey(input: SDK.DisableKeyCommandInput) {
    return this.#call('DisableKey', true, input, (tx) => setKeyEnabled(tx, input, false));
  }

  tagResource(input: SDK.TagResourceCommandInput) {
    return this.#call('TagResource', true, input, (tx) => tagResource(tx, input));
  }

  listResourceTags(input: SDK.ListResourceTagsCommandInput) {
    return this.#call('ListResourceTags', false, input, (tx) => listResourceTags(tx, input));
  }

  listGrants(input: SDK.ListGrantsCommandInput) {
    return this.#call('ListGrants', false, input, (tx) => listGrants(tx, input));
  }

  // CreateGrant and RevokeGrant are not in the port (the CLI never calls them): they let tests
  // and demonstrations give a key grants, as an operator would with the AWS CLI.

  createGrant(input: SDK.CreateGrantCommandInput) {
    return this.#call('CreateGrant', true, input, (tx) => createGrant(tx, input));
  }

  revokeGrant(input: SDK.RevokeGrantCommandInput) {
    return this.#call('RevokeGrant', true, input, (tx) => revokeGrant(tx, input));
  }

  generateDataKey(input: SDK.GenerateDataKeyCommandInput) {
    return this.#call('GenerateDataKey', false, input, (tx) => generateDataKey(tx, input));
  }

  encrypt(input: SDK.EncryptCommandInput) {
    return this.#call('Encrypt', false, input, (tx) => encrypt(tx, input));
  }

  decrypt(input: SDK.DecryptCommandInput) {
    return this.#call('Decrypt', false, input, (tx) => decrypt(tx, input));
  }
}
