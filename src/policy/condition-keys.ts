/**
 * The condition keys the evaluator recognises. A key outside this registry is most likely
 * misspelled (`kms:RecipientAttestation:PCR08`, `aws:SecureTransprt`); AWS accepts such a policy and
 * treats the key as absent, so the statement silently never (or always) applies. The evaluator
 * reports every unrecognised key as undecided so that proofs fail closed on it.
 *
 * Sources: the IAM global condition context keys page
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html), the
 * Service Authorization Reference for AWS KMS and Amazon S3, and the KMS Nitro Enclaves condition
 * keys (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-nitro-enclave.html).
 */

const GLOBAL_KEYS = [
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalOrgID',
  'aws:PrincipalIsAWSService',
  'aws:PrincipalServiceName',
  'aws:PrincipalServiceNamesList',
  'aws:PrincipalType',
  'aws:userid',
  'aws:username',
  'aws:AssumedRoot',
  'aws:FederatedProvider',
  'aws:TokenIssueTime',
  'aws:MultiFactorAuthAge',
  'aws:MultiFactorAuthPresent',
  'aws:ChatbotSourceArn',
  'aws:Ec2InstanceSourceVpc',
  'aws:Ec2InstanceSourcePrivateIPv4',
  'aws:SourceIdentity',
  'aws:SourceIp',
  'aws:SourceVpc',
  'aws:SourceVpcArn',
  'aws:SourceVpce',
  'aws:VpceAccount',
  'aws:VpceOrgPaths',
  'aws:VpceOrgID',
  'aws:VpcSourceIp',
  'aws:ResourceAccount',
  'aws:ResourceOrgID',
  'aws:ResourceOrgPaths',
  'aws:CalledVia',
  'aws:CalledViaFirst',
  'aws:CalledViaLast',
  'aws:CalledViaAWSMCP',
  'aws:ViaAWSService',
  'aws:ViaAWSMCPService',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:Referer',
  'aws:RequestedRegion',
  'aws:TagKeys',
  'aws:SecureTransport',
  'aws:SourceArn',
  'aws:SourceAccount',
  'aws:SourceOwner',
  'aws:SourceOrgPaths',
  'aws:SourceOrgID',
  'aws:UserAgent',
  'aws:IsMcpServiceAction',
  'ec2:RoleDelivery',
  'ec2:SourceInstanceArn',
  'ssm:SourceInstanceArn',
  'lambda:SourceFunctionArn',
];

const KMS_KEYS = [
  'kms:BypassPolicyLockoutSafetyCheck',
  'kms:CallerAccount',
  'kms:CustomerMasterKeySpec',
  'kms:CustomerMasterKeyUsage',
  'kms:DataKeyPairSpec',
  'kms:EncryptionAlgorithm',
  'kms:EncryptionContextKeys',
  'kms:ExpirationModel',
  'kms:GrantConstraintSourceArn',
  'kms:GrantConstraintType',
  'kms:GrantIsForAWSResource',
  'kms:GrantOperations',
  'kms:GranteePrincipal',
  'kms:GranteeServicePrincipal',
  'kms:KeyAgreementAlgorithm',
  'kms:KeyOrigin',
  'kms:KeySpec',
  'kms:KeyUsage',
  'kms:MacAlgorithm',
  'kms:MessageType',
  'kms:MultiRegion',
  'kms:MultiRegionKeyType',
  'kms:PrimaryRegion',
  'kms:ReEncryptOnSameKey',
  'kms:RecipientAttestation:ImageSha384',
  'kms:ReplicaRegion',
  'kms:RequestAlias',
  'kms:ResourceAliases',
  'kms:RetiringPrincipal',
  'kms:RetiringServicePrincipal',
  'kms:RotationPeriodInDays',
  'kms:ScheduleKeyDeletionPendingWindowInDays',
  'kms:SigningAlgorithm',
  'kms:TrailingDaysWithoutKeyUsage',
  'kms:ValidTo',
  'kms:ViaService',
  'kms:WrappingAlgorithm',
  'kms:WrappingKeySpec',
];

const S3_KEYS = [
  's3:AccessGrantScope',
  's3:AccessGrantsInstanceArn',
  's3:AccessGrantsLocationScope',
  's3:AccessPointNetworkOrigin',
  's3:DataAccessPointAccount',
  's3:DataAccessPointArn',
  's3:ExistingJobOperation',
  's3:ExistingJobPriority',
  's3:InventoryAccessibleOptionalFields',
  's3:JobSuspendedCause',
  's3:ObjectCreationOperation',
  's3:RequestJobOperation',
  's3:RequestJobPriority',
  's3:RequestObjectTagKeys',
  's3:ResourceAccount',
  's3:TlsVersion',
  's3:authType',
  's3:delimiter',
  's3:DestinationRegion',
  's3:if-match',
  's3:if-none-match',
  's3:LocationConstraint',
  's3:max-keys',
  's3:object-lock-legal-hold',
  's3:object-lock-mode',
  's3:object-lock-remaining-retention-days',
  's3:object-lock-retain-until-date',
  's3:prefix',
  's3:signatureAge',
  's3:signatureversion',
  's3:versionid',
  's3:x-amz-acl',
  's3:x-amz-content-sha256',
  's3:x-amz-copy-source',
  's3:x-amz-grant-full-control',
  's3:x-amz-grant-read',
  's3:x-amz-grant-read-acp',
  's3:x-amz-grant-write',
  's3:x-amz-grant-write-acp',
  's3:x-amz-metadata-directive',
  's3:x-amz-object-ownership',
  's3:x-amz-server-side-encryption',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:x-amz-server-side-encryption-customer-algorithm',
  's3:x-amz-storage-class',
  's3:x-amz-website-redirect-location',
];

const EXACT = new Set([...GLOBAL_KEYS, ...KMS_KEYS, ...S3_KEYS].map((key) => key.toLowerCase()));

/** Keys with a variable suffix: the prefix (lower case) and what the suffix must look like. */
const PATTERNS: { prefix: string; suffix: RegExp }[] = [
  { prefix: 'aws:principaltag/', suffix: /^.+$/ },
  { prefix: 'aws:resourcetag/', suffix: /^.+$/ },
  { prefix: 'aws:requesttag/', suffix: /^.+$/ },
  { prefix: 'kms:encryptioncontext:', suffix: /^.+$/ },
  // PCR0..PCR31, without leading zeros (`PCR08` is a typo that AWS would treat as absent).
  { prefix: 'kms:recipientattestation:pcr', suffix: /^(?:[0-9]|[12][0-9]|3[01])$/ },
  { prefix: 'kms:recipientattestation:nitrotpmpcr', suffix: /^(?:[0-9]|1[0-9]|2[0-3])$/ },
  { prefix: 's3:existingobjecttag/', suffix: /^.+$/ },
  { prefix: 's3:requestobjecttag/', suffix: /^.+$/ },
];

/** True when `key` is a condition key this tool recognises (case-insensitive, as in IAM). */
export function isRecognisedConditionKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (EXACT.has(lower)) return true;
  return PATTERNS.some(({ prefix, suffix }) => lower.startsWith(prefix) && suffix.test(lower.slice(prefix.length)));
}

/** The attestation key for a PCR, spelt as AWS documents it. */
export function attestationKey(pcr: number | 'ImageSha384'): string {
  return pcr === 'ImageSha384' ? 'kms:RecipientAttestation:ImageSha384' : `kms:RecipientAttestation:PCR${pcr}`;
}

/** True for any `kms:RecipientAttestation:*` key (the keys only an attested enclave request carries). */
export function isAttestationKey(key: string): boolean {
  return key.toLowerCase().startsWith('kms:recipientattestation:');
}
