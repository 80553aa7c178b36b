/**
 * A simulated enclave inside the sandbox: KMS and S3 ports that call *as the co-signer role*
 * (an assumed-role session), and whose KMS `Decrypt`/`GenerateDataKey` carry a freshly minted,
 * signed attestation document with the given PCRs — the way the co-signer in a Nitro Enclave
 * calls KMS through vsock-proxy. KMS returns `CiphertextForRecipient`, which
 * {@link SandboxEnclaveSession.openCiphertextForRecipient} decrypts with the enclave's private key.
 *
 * The session's attestation root is registered in the sandbox state as trusted, so only
 * documents minted by sessions (or AWS's own Nitro root) verify.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type * as KMS from '@aws-sdk/client-kms';
import { normalizePCR } from '../../enclave/index.js';
import type { KMSPort } from '../kms.js';
import type { S3Port } from '../s3.js';
import { createAttestationIssuer } from './nitro/attestation-mint.js';
import { openEnvelope } from './nitro/cms.js';
import { createSandboxPorts, type SandboxPortsOptions } from './index.js';
import { StateStore } from './store.js';
import { loadKnobs } from './knobs.js';

export interface SandboxEnclaveSessionOptions {
  sandboxDir: string;
  /** The role the enclave's parent instance carries (ARN or name). */
  roleArn: string;
  /** PCRs of the running enclave, index → 96 hex (registers not given are zero, as in debug mode for 0–2). */
  pcrs: Record<number, string>;
  region?: string;
  env?: NodeJS.ProcessEnv;
  knobs?: SandboxPortsOptions['knobs'];
  now?: () => Date;
  /** @default a generated `i-…-enc…` id */
  moduleId?: string;
  /** Attach attestation documents automatically. @default true */
  attest?: boolean;
}

export interface SandboxEnclaveSession {
  /** KMS as the role; Decrypt and GenerateDataKey carry an attestation document unless `attest` is false. */
  kms: KMSPort;
  /** S3 as the role (S3 requests carry no attestation). */
  s3: S3Port;
  /** The assumed-role session ARN the calls are made as. */
  callerArn: string;
  moduleId: string;
  /** A fresh attestation document for these PCRs and this enclave's public key. */
  attestationDocument(nonce?: Uint8Array): Uint8Array;
  /** Decrypts `CiphertextForRecipient` with the enclave's private key. */
  openCiphertextForRecipient(ciphertext: Uint8Array): Uint8Array;
  /** The DER root certificate of this session's attestation issuer. */
  rootCertificateDer: Uint8Array;
}

let recipientKeys: { publicKey: KeyObject; privateKey: KeyObject } | undefined;

/**
 * The simulated enclave's RSA key pair for KMS's `Recipient`, made once per process: generating a
 * 2048-bit pair costs about 100 ms of CPU, and a test run opens hundreds of sessions. Nothing in
 * the simulation rests on two sessions having different keys: KMS admits a session by its
 * attestation document (PCRs, signature chain), never by its public key.
 */
function recipientKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  recipientKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return recipientKeys;
}

export async function createSandboxEnclaveSession(
  options: SandboxEnclaveSessionOptions,
): Promise<SandboxEnclaveSession> {
  const now = options.now ?? (() => new Date());
  const env = options.env ?? process.env;
  const roleName = options.roleArn.startsWith('arn:') ? (options.roleArn.split('/').pop() ?? '') : options.roleArn;
  const moduleId = options.moduleId ?? `i-0${randomBytes(8).toString('hex')}-enc0${randomBytes(8).toString('hex')}`;
  const pcrs = Object.fromEntries(Object.entries(options.pcrs).map(([index, value]) => [index, normalizePCR(value)]));

  const issuer = createAttestationIssuer({ now: now() });
  const { publicKey, privateKey } = recipientKeyPair();
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));

  // Trust this issuer's root in the simulated account (as AWS trusts the Nitro root).
  const knobs = loadKnobs(options.sandboxDir, env, options.knobs);
  const store = new StateStore({ dir: options.sandboxDir, accountId: knobs.accountId, now });
  await store.open();
  const root = Buffer.from(issuer.rootCertificateDer).toString('base64');
  await store.transact((state) => {
    if (!state.attestationRoots.includes(root)) state.attestationRoots = [...state.attestationRoots.slice(-31), root];
  });

  const ports = await createSandboxPorts({
    dir: options.sandboxDir,
    env,
    now,
    principal: { kind: 'role', roleName, sessionName: moduleId.split('-enc')[0] ?? moduleId },
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.knobs === undefined ? {} : { knobs: options.knobs }),
  });

  const attestationDocument = (nonce?: Uint8Array) =>
    issuer.mint({ moduleId, pcrs, timestamp: now(), publicKey: spki, ...(nonce === undefined ? {} : { nonce }) });
  const attest = options.attest ?? true;
  const recipient = (given: KMS.RecipientInfo | undefined): KMS.RecipientInfo | undefined =>
    given ??
    (attest ? { AttestationDocument: attestationDocument(), KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' } : undefined);

  const base = ports.kms;
  const kms: KMSPort = {
    ...bindAll(base),
    generateDataKey: (input) => {
      const withRecipient = recipient(input.Recipient);
      return base.generateDataKey({ ...input, ...(withRecipient === undefined ? {} : { Recipient: withRecipient }) });
    },
    decrypt: (input) => {
      const withRecipient = recipient(input.Recipient);
      return base.decrypt({ ...input, ...(withRecipient === undefined ? {} : { Recipient: withRecipient }) });
    },
  };
  const identity = await ports.sts.getCallerIdentity({});
  return {
    kms,
    s3: ports.s3,
    callerArn: identity.Arn ?? '',
    moduleId,
    attestationDocument,
    openCiphertextForRecipient: (ciphertext) => openEnvelope(ciphertext, privateKey),
    rootCertificateDer: issuer.rootCertificateDer,
  };
}

/** The port's methods bound to it, as a plain object (so single methods can be overridden). */
function bindAll(port: KMSPort): KMSPort {
  const bound: Record<string, unknown> = {};
  let prototype: object | null = Object.getPrototypeOf(port) as object | null;
  while (prototype !== null && prototype !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const value = (port as unknown as Record<string, unknown>)[name];
      if (name !== 'constructor' && typeof value === 'function' && !(name in bound))
        bound[name] = (value as (...args: unknown[]) => unknown).bind(port);
    }
    prototype = Object.getPrototypeOf(prototype) as object | null;
  }
  return bound as unknown as KMSPort;
}
