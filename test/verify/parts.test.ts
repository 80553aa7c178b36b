// The audit's small parts: CloudTrail event reading, user data scanning, the probe, --since, and
/* eslint-disable no-control-regex -- the escaping tests look for raw control characters */
// the renderers' escaping of untrusted text (terminal controls, Markdown, XML).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../src/commands/verify-audit.js';
import { createStyle } from '../../src/io/style.js';
import { createProbe } from '../../src/verify/probe.js';
import { renderJunit, renderMarkdown, xmlText } from '../../src/verify/render-formats.js';
import { renderAuditTable } from '../../src/verify/render-table.js';
import { pcrFromTrail, toKeyEvent } from '../../src/verify/trail-events.js';
import type { AuditReport } from '../../src/verify/types.js';
import { scanUserData, userDataText } from '../../src/verify/user-data.js';

describe('CloudTrail events', () => {
  const hex = 'da'.repeat(48);
  it('reads PCRs recorded in base64 or hex, and nothing else', () => {
    expect(pcrFromTrail(Buffer.from(hex, 'hex').toString('base64'))).toBe(hex);
    expect(pcrFromTrail(hex.toUpperCase())).toBe(hex);
    expect(pcrFromTrail('A'.repeat(64))).toBe('0'.repeat(96));
    for (const bad of [undefined, 42, 'short', 'A'.repeat(63), `${'A'.repeat(63)}!`])
      expect(pcrFromTrail(bad)).toBeUndefined();
  });

  it('reads success, caller and attestation from the event, and marks unreadable ones', () => {
    const attested = toKeyEvent({
      EventId: 'e1',
      EventName: 'Decrypt',
      EventTime: new Date('2026-01-01T00:00:00Z'),
      CloudTrailEvent: JSON.stringify({
        userIdentity: { arn: 'arn:aws:sts::1:assumed-role/r/s' },
        additionalEventData: {
          recipient: {
            attestationDocumentModuleId: 'i-0-enc0',
            attestationDocumentEnclaveImageDigest: 'A'.repeat(64),
            attestationDocumentEnclavePCR8: hex,
          },
        },
      }),
    });
    expect(attested).toEqual({
      eventId: 'e1',
      eventName: 'Decrypt',
      eventTime: '2026-01-01T00:00:00.000Z',
      succeeded: true,
      caller: 'arn:aws:sts::1:assumed-role/r/s',
      readable: true,
      attestation: { moduleId: 'i-0-enc0', pcr0: '0'.repeat(96), pcr8: hex },
    });
    expect(
      toKeyEvent({
        EventName: 'Decrypt',
        CloudTrailEvent: JSON.stringify({ errorCode: 'AccessDenied' }),
        Username: 'u',
      }),
    ).toMatchObject({
      succeeded: false,
      errorCode: 'AccessDenied',
      caller: 'u',
      readable: true,
    });
    expect(toKeyEvent({ EventName: 'Decrypt', CloudTrailEvent: '{not json' })).toMatchObject({
      readable: false,
      succeeded: false,
    });
    expect(toKeyEvent({ EventName: 'Decrypt', CloudTrailEvent: '[1]' })).toMatchObject({ readable: false });
  });
});

describe('user data', () => {
  it('finds what looks like a secret, by kind and line, in plain and gzip user data', () => {
    const text = [
      '#!/bin/bash',
      'export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP',
      'aws_secret_access_key = x',
      '-----BEGIN EC PRIVATE KEY-----',
      'TOKEN=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      'PAIRING_TOKEN=abc',
      'db password: hunter2',
      'echo password manager is fine',
    ].join('\n');
    const hits = scanUserData(text);
    expect(hits).toEqual([
      { kind: 'AWS access key id', line: 2 },
      { kind: 'AWS secret access key', line: 3 },
      { kind: 'private key', line: 4 },
      { kind: 'pairing token (JWT)', line: 5 },
      { kind: 'pairing token', line: 6 },
      { kind: 'password', line: 7 },
    ]);
    expect(userDataText(gzipSync(text).toString('base64'))).toBe(text);
    expect(userDataText(Buffer.from(text).toString('base64'))).toBe(text);
    expect(userDataText(Buffer.from([0x1f, 0x8b, 1, 2]).toString('base64'))).toHaveLength(4);
  });
});

describe('the probe', () => {
  const role = 'arn:aws:sts::111122223333:assumed-role/demo-cosigner/i-0abc';
  const sts = (arn: string) => ({ getCallerIdentity: () => Promise.resolve({ Arn: arn, $metadata: {} }) });

  it('refuses to judge when it does not run as the co-signer role', async () => {
    const kms = { generateDataKey: () => Promise.reject(new Error('must not be called')) };
    const result = await createProbe({
      kms,
      sts: sts('arn:aws:iam::111122223333:user/me'),
    }).generateDataKeyWithoutAttestation('k', 'demo-cosigner');
    expect(result).toMatchObject({ outcome: 'inconclusive', failure: { code: 'VERIFY_INCOMPLETE' } });
  });

  it('reports a denial, a data key (wiped at once) and any other failure', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: {} });
    expect(
      await createProbe({
        kms: { generateDataKey: () => Promise.reject(denied) },
        sts: sts(role),
      }).generateDataKeyWithoutAttestation('k', 'demo-cosigner'),
    ).toMatchObject({ outcome: 'denied', error: 'AccessDeniedException' });
    const plaintext = new Uint8Array([1, 2, 3]);
    expect(
      await createProbe({
        kms: { generateDataKey: () => Promise.resolve({ Plaintext: plaintext, $metadata: {} }) },
        sts: sts(role),
      }).generateDataKeyWithoutAttestation('k', 'demo-cosigner'),
    ).toEqual({ outcome: 'allowed', caller: role });
    expect([...plaintext]).toEqual([0, 0, 0]);
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} });
    expect(
      await createProbe({
        kms: { generateDataKey: () => Promise.reject(throttled) },
        sts: sts(role),
      }).generateDataKeyWithoutAttestation('k', 'demo-cosigner'),
    ).toMatchObject({ outcome: 'inconclusive', failure: { action: 'kms:GenerateDataKey', code: 'AWS_THROTTLED' } });
    const stsDown = {
      getCallerIdentity: () =>
        Promise.reject(
          Object.assign(new Error('down'), {
            name: 'InternalFailure',
            $fault: 'server' as const,
            $metadata: { httpStatusCode: 500 },
          }),
        ),
    };
    expect(
      await createProbe({
        kms: { generateDataKey: () => Promise.reject(denied) },
        sts: stsDown,
      }).generateDataKeyWithoutAttestation('k', 'demo-cosigner'),
    ).toMatchObject({ outcome: 'inconclusive', failure: { action: 'sts:GetCallerIdentity' } });
  });
});

describe('--since', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('reads durations and times within CloudTrail’s 90 days', () => {
    expect(parseSince('30d', now)).toBe(30 * 86_400_000);
    expect(parseSince('12h', now)).toBe(12 * 3_600_000);
    expect(parseSince('2w', now)).toBe(14 * 86_400_000);
    expect(parseSince('2026-05-31T00:00:00Z', now)).toBe(86_400_000);
  });
  it('refuses nonsense, the future and more than 90 days', () => {
    for (const bad of ['soon', '91d', '2026-07-01T00:00:00Z', '0d', '2020-01-01'])
      expect(() => parseSince(bad, now)).toThrowCosignerError('INVALID_OPTION');
  });
});

describe('rendering untrusted text', () => {
  const EVIL = '\u001b[31mred\u001b[0m\u202e|`</x>&';
  const report: AuditReport = {
    deployment: { name: 'demo', accountId: '111122223333', region: 'eu-west-1', profile: 'hardened' },
    findings: [
      {
        checkId: 'kms_key_not_publicly_accessible',
        status: 'FAIL',
        severity: 'critical',
        title: 'No Allow of the key policy is open to every principal',
        resource: `arn:aws:kms:eu-west-1:111122223333:key/${EVIL}`,
        evidence: { problems: [{ sid: EVIL, message: `allows ${EVIL}` }], note: '```' },
        remediation: 'fix it',
      },
    ],
    summary: { PASS: 0, FAIL: 1, WARN: 0, ERROR: 0, SKIP: 0 },
  };

  it('escapes terminal controls in the table', () => {
    const text = renderAuditTable([report], createStyle(false));
    expect(text).not.toMatch(/\u001b|\u202e/);
    expect(text).toContain('\\x1b[31mred');
  });

  it('keeps Markdown cells in their column and evidence in its fence', () => {
    const md = renderMarkdown([report], { version: '0.1.0', time: '2026-01-01T00:00:00.000Z' });
    expect(md).not.toMatch(/\u001b|\u202e/);
    expect(md).toContain('key/\\\\x1b[31mred\\\\x1b[0m\\\\u202e\\|`&lt;/x&gt;& |');
    expect(md).toMatch(/````json\n[\s\S]*```[\s\S]*\n````/);
  });

  it('writes well-formed XML whatever the text', () => {
    expect(xmlText(`a\u0000b<c>&"d'\u202e`)).toBe('a\\x00b&lt;c&gt;&amp;&quot;d&apos;\\u202e');
    const xml = renderJunit([report], { version: '0.1.0', time: '2026-01-01T00:00:00.000Z' });
    expect(xml).not.toMatch(/\u001b|\u202e/);
    expect(xml).toContain('failures="1"');
    expect(xml).toContain('&lt;/x&gt;&amp;');
  });
});
