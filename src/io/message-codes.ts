/**
 * The registry of IoHost message codes, as src/errors.ts is the registry of error codes. Every
 * message a command sends through `IoHost.notify` carries one of these codes, so tests and other
 * programs can tell messages apart without reading their text. Codes are API: once published they
 * are never renamed, only added. A code ending in `_PLAN` or `_DIFF` names what a confirmation asks
 * about: `-q` still shows it unless `--yes` answers the question (src/io/cli-io-host.ts).
 */
export const MESSAGE_CODES = {
  // every command
  INTERRUPTED: 'an interruption arrived: no new change starts, the calls in flight finish and are journaled',
  AWS_CALL: 'one AWS call made (service, operation, duration, outcome); debug level, shown with --verbose',
  SANDBOX_PROFILE_IGNORED: '--profile was given with --sandbox, whose simulated account has no profiles',
  // init
  INIT_ACCOUNT: 'the AWS account and caller found in the chosen region',
  INIT_OFFLINE: 'the AWS account could not be read: the wizard goes on without it',
  INIT_SUMMARY: 'one line of the summary of the config about to be written',
  INIT_UNCHANGED: 'the config file already holds these settings: nothing is written',
  INIT_DIFF: 'one setting an overwrite of an existing config file changes (confirmed before writing)',
  // provision
  PROVISION_TARGET: 'the account, region and caller provision is about to change (before any write)',
  PROVISION_RESUME: 'whether --resume found an interrupted run to continue',
  PROVISION_PLAN: 'one row of the plan provision is about to apply (confirmed before writing)',
  PROVISION_WARNING: 'a warning of the plan or of its apply (data kept, a setting that cannot be changed, …)',
  PROVISION_WAIT: 'provision waits on AWS (IAM propagation, an instance reaching its state, …)',
  // attest
  ATTEST_TARGET: 'the account, region and caller whose key attest reads and may write',
  ATTEST_WARNING: 'a warning of the PCR8 sources, the key, the candidate policy or its proofs',
  ATTEST_DIFF: 'the key policy change attest is about to write (confirmed before writing)',
  ATTEST_CONFIG_DIFF: "the change to the config file's record of the PCR8 list (confirmed with the policy)",
  ATTEST_UNCHANGED: 'the key policy already holds the PCR8 list: nothing to write to it',
  ATTEST_RECORDED: "the PCR8 list was written to the config file's record",
  // attest describe-eif
  EIF_NOT_SIGNED: 'the image has no signature, so no PCR8: a PCR8 key policy can never admit it',
  EIF_CERT_EXPIRED: "the image's signing certificate has expired: nitro-cli run-enclave refuses the image",
  EIF_CERT_NOT_YET_VALID:
    "the image's signing certificate is not valid yet: nitro-cli run-enclave refuses it until then",
  // attest verify-attestation
  ATTESTATION_PCR8_UNCHECKED: '--any-image: the document is authentic, but which image it attests is not checked',
  // run (on the host)
  RUN_PACKAGE_UNPACKED: 'the Fireblocks package matched its SHA-256 and was unpacked',
  RUN_IMAGE_VERIFIED: 'the enclave image was measured and its PCR8 is admitted by the key policy',
  RUN_HOST_CONFIG: 'a host configuration file run writes (the allocator, the vsock-proxy allowlist)',
  RUN_VSOCK_PROXY_STARTED: "run enabled and started the vsock-proxy, the enclave's way to KMS, for a generic image",
  RUN_WARNING: 'a warning of the host checks or of the Fireblocks settings before the co-signer starts',
  RUN_INSTALLER_OUTPUT: 'a line the Fireblocks installer printed (debug level, shown with --verbose)',
  RUN_INSECURE_DEBUG: 'the enclave starts in debug mode: its console is readable on the host, its PCRs zeroed',
  RUN_OWNER_APPROVAL: 'next step: the workspace Owner approves the new key share in the Fireblocks mobile app',
  // verify
  VERIFY_REPORT_WRITTEN: 'the audit report was written to the --output file',
  // demo
  DEMO_COMMAND: 'a command the demo ran, with its exit code, duration and stderr (with --verbose)',
  // destroy
  DESTROY_TARGET: 'the account, region and caller destroy is about to change (before any write)',
  DESTROY_PLAN: 'one line of the plan destroy is about to apply (confirmed before writing)',
  DESTROY_BUCKET_NOT_EMPTY: 'the bucket is not empty and was kept (only an empty bucket is deleted)',
} as const satisfies Record<string, string>;

export type MessageCode = keyof typeof MESSAGE_CODES;
