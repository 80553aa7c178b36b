#!/usr/bin/env bash
# The README's first command: the whole lifecycle of one co-signer against the embedded sandbox
# (a simulated AWS account in a temp directory), no AWS account needed. Run: npm run demo
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cosigner-demo.XXXXXX")
# The sandbox simulates IAM eventual consistency; keep the demo's wait short but visible.
export COSIGNER_SANDBOX_IAM_DELAY_MS=${COSIGNER_SANDBOX_IAM_DELAY_MS:-1500}
cli() { node "$root/bin/cosigner-cli.js" --no-json --sandbox "$work/sandbox" --config "$work/cosigner.json" "$@"; }
step() { printf '\n\033[1m$ cosigner-cli %s\033[0m\n' "$*"; }

echo "Working in $work (sandbox state in $work/sandbox)"
# The default VPC routes out only through its internet gateway: a managed network gives the host a
# private subnet behind a NAT gateway, with VPC endpoints (the plan shows what it costs).
step init --name demo --region us-east-1 --fb-env global --network-mode managed
cli init --name demo --region us-east-1 --fb-env global --network-mode managed
step doctor
cli doctor
step provision --dry-run
cli provision --dry-run
step provision --yes
cli provision --yes
step provision --yes "   # again: nothing to do, no writes"
cli provision --yes
step attest --dry-run "   # PCR8 cross-checked, key policy proven"
cli attest --dry-run
step status
cli status
step destroy --yes "   # the network goes too; key and bucket are kept unless asked"
cli destroy --yes
printf '\nDone. Receipt: %s\n' "$work/cosigner.receipt.json"
