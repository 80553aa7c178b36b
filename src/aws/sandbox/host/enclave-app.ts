/**
 * What the simulated co-signer does inside its enclave (FB-ARCH's database scheme, fireblocks-aws.md
 * §1.1): on first start it asks KMS, with its attestation, for an AES-128 data key
 * (GenerateDataKey, KeySpec AES_128, Recipient = its attestation document), opens the key KMS
 * encrypted to the enclave's public key, encrypts its database with it and stores the encrypted
 * database and the wrapped key (the CiphertextBlob, under the KMS key) in the bucket. On a restart
 * it reads both back, asks KMS to Decrypt the wrapped key (again with its attestation) and decrypts
 * the database. KMS decides with the live key policy and the document's PCRs: an image signed with
 * another certificate is denied there, not here.
 *
 * Fireblocks describes an "AES 128-bit CBC key"; the simulation encrypts with AES-128-GCM so that a
 * tampered database object is detected, not silently decrypted.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SandboxEnclaveSession } from '../enclave-session.js';

/** Object keys of the co-signer's database in the bucket. */
export const DATABASE_OBJECT = 'cosigner/database.enc';
export const WRAPPED_KEY_OBJECT = 'cosigner/database-key.wrapped';

export interface EnclaveAppConfig {
  bucketName: string;
  keyArn: string;
}

export interface EnclaveAppOutcome {
  status: 'ready' | 'failed';
  database?: 'created' | 'restored';
  /** One line for the log: what happened, or the AWS error that stopped it. */
  detail: string;
}

interface Database {
  format: 'simulated-cosigner-db';
  createdAt: string;
  createdBy: string;
  /** Stand-in for the MPC key shares the real co-signer keeps. */
  keyShares: string;
}

function encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-128-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Uint8Array, sealed: Uint8Array): Uint8Array {
  const data = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-128-gcm', key, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(12, 28));
  return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]);
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

async function readObject(
  session: SandboxEnclaveSession,
  bucket: string,
  key: string,
): Promise<Uint8Array | undefined> {
  try {
    const object = await session.s3.getObject({ Bucket: bucket, Key: key });
    return await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Run the co-signer's database start-up; never throws (the outcome says what failed). */
export async function startEnclaveApp(
  session: SandboxEnclaveSession,
  config: EnclaveAppConfig,
  now: Date,
): Promise<EnclaveAppOutcome> {
  const { bucketName: Bucket, keyArn } = config;
  try {
    const [wrapped, sealed] = await Promise.all([
      readObject(session, Bucket, WRAPPED_KEY_OBJECT),
      readObject(session, Bucket, DATABASE_OBJECT),
    ]);
    if (wrapped !== undefined && sealed !== undefined) {
      // Restart: unwrap the data key through KMS (attested), then open the database.
      const answer = await session.kms.decrypt({ KeyId: keyArn, CiphertextBlob: wrapped });
      if (answer.CiphertextForRecipient === undefined)
        return { status: 'failed', detail: 'KMS Decrypt returned no CiphertextForRecipient' };
      const key = session.openCiphertextForRecipient(answer.CiphertextForRecipient);
      const database = JSON.parse(new TextDecoder().decode(decrypt(key, sealed))) as Database;
      key.fill(0);
      return {
        status: 'ready',
        database: 'restored',
        detail: `database restored from s3://${Bucket}/${DATABASE_OBJECT} (created ${database.createdAt} by ${database.createdBy})`,
      };
    }
    if (wrapped !== undefined || sealed !== undefined)
      return {
        status: 'failed',
        detail: `the bucket holds only one of ${DATABASE_OBJECT} and ${WRAPPED_KEY_OBJECT}: refusing to create a new database over it`,
      };
    // First start: a fresh AES-128 data key, delivered encrypted to this enclave only.
    const generated = await session.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_128' });
    if (generated.CiphertextForRecipient === undefined || generated.CiphertextBlob === undefined)
      return { status: 'failed', detail: 'KMS GenerateDataKey returned no CiphertextForRecipient' };
    const key = session.openCiphertextForRecipient(generated.CiphertextForRecipient);
    const database: Database = {
      format: 'simulated-cosigner-db',
      createdAt: now.toISOString(),
      createdBy: session.moduleId,
      keyShares: randomBytes(32).toString('hex'),
    };
    const body = encrypt(key, new TextEncoder().encode(JSON.stringify(database)));
    key.fill(0);
    await session.s3.putObject({ Bucket, Key: WRAPPED_KEY_OBJECT, Body: generated.CiphertextBlob });
    await session.s3.putObject({ Bucket, Key: DATABASE_OBJECT, Body: body });
    return {
      status: 'ready',
      database: 'created',
      detail: `database created, encrypted with a KMS data key (AES_128), stored in s3://${Bucket}/${DATABASE_OBJECT}`,
    };
  } catch (error) {
    return { status: 'failed', detail: describe(error) };
  }
}
