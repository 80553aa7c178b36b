/**
 * The check catalogue (reference/verify-checks.md): every check's id, severity, title and how to
 * fix a failure, in the catalogue's order. Ids reuse Prowler's where Prowler has the same check;
 * `cosigner_*` ids are ours. Ids and severities are a public contract: never renamed, only added.
 */
import type { Severity } from './types.js';

export type CheckService = 'kms' | 's3' | 'iam' | 'ec2' | 'cloudtrail' | 'host';

export interface CheckMeta {
  id: string;
  service: CheckService;
  severity: Severity;
  title: string;
  /** How to fix a FAIL: the command or the exact setting. */
  remediation: string;
}

const meta = (
  id: string,
  service: CheckService,
  severity: Severity,
  title: string,
  remediation: string,
): CheckMeta => ({
  id,
  service,
  severity,
  title,
  remediation,
});

const ATTEST = 'cosigner-cli attest --dry-run, then cosigner-cli attest --yes';

export const CATALOGUE: readonly CheckMeta[] = [
  // KMS: the co-signer key
  meta(
    'kms_key_enclave_attestation_not_enforced',
    'kms',
    'critical',
    'Only an attested enclave can use the key to decrypt or make data keys',
    `remove or restrict the statements named in the evidence (cosigner-cli attest --remove-statement <Sid>), then rewrite the key policy: ${ATTEST}`,
  ),
  meta(
    'kms_key_enclave_attestation_bypassable_path',
    'kms',
    'high',
    'No principal but the key administrators can reach the plaintext another way (grants, ReEncrypt, policy rewrite, imported material)',
    'remove the statements named in the evidence (cosigner-cli attest --remove-statement <Sid>); revoke grants with aws kms revoke-grant --key-id <key> --grant-id <id>',
  ),
  meta(
    'cosigner_kms_pcr8_matches_fb_env',
    'kms',
    'high',
    'The key policy admits exactly the expected PCR8 values',
    'record the expected values (cosigner-cli attest --add <pcr8> / --prune <pcr8>, or fireblocks.pcr8 in the config), then cosigner-cli attest --yes',
  ),
  meta(
    'cosigner_kms_role_principal_resolves',
    'kms',
    'high',
    "The attested statement names this deployment's role by ARN, and the role exists",
    'cosigner-cli provision (re-creates the role if it is gone), then cosigner-cli attest --yes (rewrites the attested statement with the role ARN)',
  ),
  meta(
    'cosigner_kms_break_glass_present',
    'kms',
    'high',
    'A configured administrator can still change the key policy (no lockout)',
    'restore an administrator statement that grants kms:PutKeyPolicy (needs AWS Support if nobody can call PutKeyPolicy any more)',
  ),
  meta(
    'cosigner_kms_debug_enclave_denied',
    'kms',
    'medium',
    'A debug-mode enclave (ImageSha384 all zeros) is denied the attested actions',
    `keep kms.denyDebugEnclaves on with the hardened profile (--policy-profile hardened --deny-debug-enclaves), then ${ATTEST}`,
  ),
  meta(
    'kms_key_not_publicly_accessible',
    'kms',
    'critical',
    'No Allow of the key policy is open to every principal',
    'remove the statement named in the evidence (cosigner-cli attest --remove-statement <Sid>) or restrict it with a kms:CallerAccount condition',
  ),
  meta(
    'kms_cmk_rotation_enabled',
    'kms',
    'medium',
    'Automatic key rotation is on',
    'cosigner-cli provision with kms.rotation true (--key-rotation) and the hardened profile, or aws kms enable-key-rotation --key-id <key>',
  ),
  meta(
    'kms_cmk_not_deleted_unintentionally',
    'kms',
    'critical',
    'The key is enabled and not scheduled for deletion',
    'aws kms cancel-key-deletion --key-id <key>, then aws kms enable-key --key-id <key>',
  ),
  meta(
    'kms_cmk_not_multi_region',
    'kms',
    'low',
    'The key is a single-Region key',
    'create a single-Region key: cosigner-cli provision without kms.keyId, and move the co-signer to it',
  ),
  // S3: the co-signer bucket
  meta(
    's3_bucket_level_public_access_block',
    's3',
    'high',
    "The bucket's four Block Public Access settings are on",
    'aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true (or cosigner-cli provision)',
  ),
  meta(
    's3_bucket_acl_prohibited',
    's3',
    'medium',
    'Object ownership is BucketOwnerEnforced (ACLs disabled)',
    'aws s3api put-bucket-ownership-controls --bucket <bucket> --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}] (or cosigner-cli provision)',
  ),
  meta(
    's3_bucket_object_versioning',
    's3',
    'medium',
    'Bucket versioning is enabled',
    'cosigner-cli provision with s3.versioning true (--versioning), or aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled',
  ),
  meta(
    's3_bucket_secure_transport_policy',
    's3',
    'medium',
    'The bucket policy denies every request without TLS',
    'cosigner-cli provision (adds the CosignerDenyInsecureTransport statement: Deny s3:* when aws:SecureTransport is false)',
  ),
  meta(
    's3_bucket_public_access',
    's3',
    'critical',
    'No Allow of the bucket policy is open to every principal',
    'remove the statement named in the evidence from the bucket policy (aws s3api put-bucket-policy), then cosigner-cli provision',
  ),
  meta(
    'cosigner_s3_policy_deny_all_but_role',
    's3',
    'high',
    "The bucket policy denies object access to everyone but the co-signer's role",
    'cosigner-cli provision (writes the CosignerDenyAllButRole and CosignerDenyObjectAccessButRole statements for the role alone)',
  ),
  meta(
    'cosigner_s3_encryption_not_cosigner_key',
    's3',
    'high',
    "Default encryption is on and does not use the co-signer's key",
    'aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration Rules=[{ApplyServerSideEncryptionByDefault={SSEAlgorithm=AES256}}] (or cosigner-cli provision)',
  ),
  // IAM: the co-signer role
  meta(
    'cosigner_iam_trust_policy',
    'iam',
    'high',
    'Only ec2.amazonaws.com may assume the co-signer role',
    'cosigner-cli provision (rewrites the trust policy), or aws iam update-assume-role-policy with Principal {"Service":"ec2.amazonaws.com"} only',
  ),
  meta(
    'cosigner_iam_least_privilege',
    'iam',
    'high',
    "The role allows no more than Fireblocks' template for this bucket and key plus AmazonSSMManagedInstanceCore",
    'detach the extra managed policies and delete the extra inline statements named in the evidence, then cosigner-cli provision',
  ),
  meta(
    'iam_inline_policy_no_full_access_to_kms',
    'iam',
    'high',
    'No inline policy of the role allows kms:*',
    'replace kms:* with the actions of the template (cosigner-cli provision rewrites the cosigner-access inline policy)',
  ),
  meta(
    'ec2_instance_profile_attached',
    'iam',
    'high',
    "The host's instance profile holds the co-signer role",
    'aws ec2 associate-iam-instance-profile / aws iam add-role-to-instance-profile with the co-signer role (or cosigner-cli provision)',
  ),
  // EC2: the Nitro host
  meta(
    'cosigner_ec2_enclave_enabled',
    'ec2',
    'high',
    'Nitro Enclaves are enabled on the host',
    'replace the host with Nitro Enclaves enabled (terminate it, then cosigner-cli provision)',
  ),
  meta(
    'cosigner_ec2_type_supported',
    'ec2',
    'high',
    'The instance type supports Nitro Enclaves and has room for the configured enclave',
    'use c5.xlarge or c5a.xlarge (instance.type), terminate the host, then cosigner-cli provision',
  ),
  meta(
    'ec2_confidential_workload_host_imdsv2_not_enforced',
    'ec2',
    'high',
    'The host requires IMDSv2 (HttpTokens required)',
    'aws ec2 modify-instance-metadata-options --instance-id <host> --http-tokens required',
  ),
  meta(
    'cosigner_ec2_imds_hop_limit',
    'ec2',
    'low',
    'The IMDS hop limit is 2',
    'aws ec2 modify-instance-metadata-options --instance-id <host> --http-put-response-hop-limit 2',
  ),
  meta(
    'ec2_confidential_workload_host_public_ip',
    'ec2',
    'medium',
    'The host has no public IPv4 address',
    'use network.mode existing or managed (a route out through NAT), terminate the host, then cosigner-cli provision',
  ),
  meta(
    'ec2_confidential_workload_host_unrestricted_ingress',
    'ec2',
    'high',
    "The host's security groups allow no ingress",
    'aws ec2 revoke-security-group-ingress for each rule named in the evidence (SSM Session Manager is the way in)',
  ),
  meta(
    'cosigner_ec2_egress_restricted',
    'ec2',
    'medium',
    "The host's security groups allow egress to TCP 443 only",
    'aws ec2 revoke-security-group-egress for each rule named in the evidence (cosigner-cli provision keeps TCP 443 only)',
  ),
  meta(
    'ec2_ebs_volume_encryption',
    'ec2',
    'medium',
    "The host's volumes are encrypted",
    'replace the host with an encrypted root volume (terminate it, then cosigner-cli provision)',
  ),
  meta(
    'ec2_instance_secrets_user_data',
    'ec2',
    'high',
    "The host's user data holds nothing that looks like a secret",
    'remove the secret from the user data (aws ec2 modify-instance-attribute --user-data, host stopped) and rotate it: it was readable by anyone with ec2:DescribeInstanceAttribute',
  ),
  meta(
    'ec2_confidential_workload_host_not_running',
    'ec2',
    'medium',
    'The host is running',
    'aws ec2 start-instances --instance-ids <host>, or cosigner-cli provision',
  ),
  // CloudTrail: the evidence
  meta(
    'cloudtrail_multi_region_enabled',
    'cloudtrail',
    'medium',
    'A multi-Region trail is logging',
    'aws cloudtrail create-trail --is-multi-region-trail --enable-log-file-validation …, then aws cloudtrail start-logging',
  ),
  meta(
    'cloudtrail_log_file_validation_enabled',
    'cloudtrail',
    'low',
    'A logging trail validates its log files',
    'aws cloudtrail update-trail --name <trail> --enable-log-file-validation',
  ),
  meta(
    'cosigner_kms_unattested_use',
    'cloudtrail',
    'critical',
    'No Decrypt or data key was served without an attestation document in the lookback window',
    'treat the key shares as exposed: find who called (evidence), fix the key policy (cosigner-cli attest --yes), and rotate the co-signer per Fireblocks',
  ),
  meta(
    'kms_key_enclave_attestation_unknown_image',
    'cloudtrail',
    'high',
    'Every attested call came from an enclave with an expected PCR8',
    'find the enclave (module id in the evidence); if the image is not one you deployed, fix the key policy (cosigner-cli attest --yes) and rotate the co-signer',
  ),
  meta(
    'kms_key_enclave_debug_attestation_detected',
    'cloudtrail',
    'high',
    'No attested call came from a debug-mode enclave (PCR0 all zeros)',
    `stop the debug-mode enclave on the host (nitro-cli terminate-enclave), deny debug enclaves in the key policy (${ATTEST}) and rotate the co-signer`,
  ),
  // Host (only with --host)
  meta(
    'cosigner_host_enclave_running',
    'host',
    'high',
    'An enclave is RUNNING with an expected PCR8',
    'cosigner-cli run on the host (verifies and starts the expected image)',
  ),
  meta(
    'cosigner_host_not_debug',
    'host',
    'critical',
    'No running enclave is in debug mode',
    'nitro-cli terminate-enclave --enclave-id <id>, then cosigner-cli run (never --debug-mode)',
  ),
  meta(
    'cosigner_host_services_active',
    'host',
    'medium',
    'The allocator, vsock-proxy and co-signer services are active',
    'systemctl enable --now <unit> for each unit named in the evidence, or cosigner-cli run',
  ),
  meta(
    'cosigner_host_secrets_at_rest',
    'host',
    'high',
    'Files holding the pairing token or co-signer settings are readable by root only',
    'chown root:root <file> && chmod 600 <file> for each file named in the evidence',
  ),
  meta(
    'cosigner_kms_negative_test',
    'host',
    'critical',
    "GenerateDataKey without an attestation, as the host's role, is denied",
    `fix the key policy so that every data operation needs an attestation document (${ATTEST}); check grants (aws kms list-grants)`,
  ),
];

const BY_ID = new Map(CATALOGUE.map((check) => [check.id, check]));

export function checkMeta(id: string): CheckMeta {
  const found = BY_ID.get(id);
  if (found === undefined) throw new Error(`unknown check id ${id}`);
  return found;
}

export function isCheckId(id: string): boolean {
  return BY_ID.has(id);
}
