/**
 * A fake Fireblocks co-signer package: install.sh asks what the real one asks (fireblocks-aws.md
 * §1.9: pairing token, S3 bucket name, KMS key ARN, optional Callback Handler), writes its settings
 * to /opt/fireblocks/env.txt (the token in clear, as the real one does), installs a `cosigner`
 * service that runs the package's image with nitro-cli, and starts it with systemctl. It records
 * the argv and environment it was started with in /tmp/installer-record, for the leak test. On the
 * simulated host its paths are under $COSIGNER_SANDBOX_HOST_ROOT and systemctl is the sandbox's shim.
 */
import { createHash } from 'node:crypto';
import { tarGz, type TarEntry } from './tar-writer.js';

export type InstallerStyle =
  /** Prompts printed, then read (visible on a pipe). */
  | 'visible'
  /** `read -p`: bash prints no prompt when stdin is a pipe. */
  | 'silent'
  /** Prints the token back, whole and in pieces (a careless installer): the CLI must redact it. */
  | 'echoes-token'
  /** Asks something no one documented. */
  | 'unknown-prompt'
  /** Fails after the prompts. */
  | 'fails';

function installScript(style: InstallerStyle): string {
  const ask = (prompt: string, variable: string, secret = false) =>
    style === 'silent'
      ? `read -r ${secret ? '-s ' : ''}-p '${prompt}' ${variable}${secret ? '; echo' : ''}`
      : `printf '%s' '${prompt}'; read -r ${secret ? '-s ' : ''}${variable}${secret ? '; echo' : ''}`;
  return [
    '#!/bin/bash',
    '# Stand-in for the Fireblocks AWS Nitro co-signer install.sh (test fixture).',
    'set -euo pipefail',
    'ROOT="${COSIGNER_SANDBOX_HOST_ROOT:-}"',
    'mkdir -p "$ROOT/tmp" "$ROOT/opt/fireblocks" "$ROOT/etc/systemd/system"',
    `{ printf 'argv=%s\\n' "$0 $*"; env; } > "$ROOT/tmp/installer-record"`,
    'echo "Fireblocks API Co-Signer installation"',
    ...(style === 'unknown-prompt' ? [`printf '%s' 'Enter your favourite colour: '; read -r COLOUR`] : []),
    ask('Please enter the pairing token: ', 'TOKEN', true),
    ...(style === 'echoes-token'
      ? ['echo "Pairing with token $TOKEN"', 'echo "token signature: ${TOKEN##*.}, first characters: ${TOKEN:0:20}"']
      : []),
    ask('Please enter the S3 bucket name: ', 'BUCKET'),
    ask('Please enter the KMS key ARN: ', 'KEY_ARN'),
    ask('Would you like to configure a Callback Handler? [y/N]: ', 'CALLBACK'),
    'if [ "$CALLBACK" = "y" ]; then',
    `  ${ask('Callback Handler URL: ', 'CALLBACK_URL')}`,
    `  ${ask('Callback Handler public key or certificate (path): ', 'CALLBACK_KEY')}`,
    'fi',
    ...(style === 'fails' ? ['echo "error: cannot reach mobile-api.fireblocks.io" >&2', 'exit 3'] : []),
    'umask 022',
    `printf 'PAIRING_TOKEN=%s\\nBUCKET_NAME=%s\\nKEY_ARN=%s\\n' "$TOKEN" "$BUCKET" "$KEY_ARN" > "$ROOT/opt/fireblocks/env.txt"`,
    'cp ./cosigner.eif "$ROOT/opt/fireblocks/cosigner.eif"',
    `cat > "$ROOT/etc/systemd/system/cosigner.service" <<'UNIT'`,
    '[Unit]',
    'Description=Fireblocks co-signer',
    '[Service]',
    'ExecStart=/usr/bin/nitro-cli run-enclave --eif-path /opt/fireblocks/cosigner.eif --memory 4096 --cpu-count 2 --enclave-name cosigner',
    'ExecStop=/usr/bin/nitro-cli terminate-enclave --enclave-name cosigner',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl enable --now cosigner',
    'echo "Installation completed. Approve the new co-signer in the Fireblocks mobile app."',
    '',
  ].join('\n');
}

const MAINTENANCE = [
  '#!/bin/bash',
  '# Stand-in for ./fireblocks/cosigner (test fixture): get-status as FB-MAINT prints it.',
  'ROOT="${COSIGNER_SANDBOX_HOST_ROOT:-}"',
  'if [ "${1:-}" = "get-status" ]; then',
  '  echo " ========= Cosigner Status ========="',
  '  echo " Enclave Name: cosigner"',
  `  if grep -q '"name": "cosigner"' "$ROOT/../state.json" 2>/dev/null; then`,
  '    echo " Enclave State: RUNNING"; echo " Service State: ACTIVE"',
  '  else',
  '    echo " Enclave State: TERMINATED"; echo " Service State: FAILED"',
  '  fi',
  '  echo " ==================================="',
  'fi',
  '',
].join('\n');

export interface FakePackage {
  bytes: Buffer;
  sha256: string;
}

export function fakePackage(eif: Uint8Array, style: InstallerStyle = 'visible', extra: TarEntry[] = []): FakePackage {
  const bytes = tarGz([
    { name: 'install.sh', body: installScript(style), mode: 0o755 },
    { name: 'cosigner.eif', body: eif, mode: 0o644 },
    { name: 'fireblocks/', type: '5', mode: 0o755 },
    { name: 'fireblocks/cosigner', body: MAINTENANCE, mode: 0o755 },
    ...extra,
  ]);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A JWT-shaped pairing token valid for an hour, with a marker that is easy to search for. */
export function fakeToken(marker: string, expiresInSeconds = 3600): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: marker, exp: Math.floor(Date.now() / 1000) + expiresInSeconds })}.${Buffer.from(`sig-${marker}`).toString('base64url')}`;
}
