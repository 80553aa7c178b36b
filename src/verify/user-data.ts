/**
 * User data, which anyone with ec2:DescribeInstanceAttribute can read: decoded as cloud-init takes
 * it (plain text or gzip) and scanned line by line for what looks like a secret. Only the kind of
 * secret and its line are ever reported, never the text.
 */
import { gunzipSync } from 'node:zlib';

/** What looks like a secret in user data: the kind and the pattern (the match itself is never reported). */
const SECRET_PATTERNS: readonly [kind: string, pattern: RegExp][] = [
  ['AWS access key id', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['AWS secret access key', /aws_secret_access_key\s*[=:]/i],
  ['private key', /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/],
  ['pairing token (JWT)', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['pairing token', /\bPAIRING_TOKEN\s*=\s*\S/i],
  ['password', /\bpassword\s*[=:]\s*\S/i],
];

/** Each line of the user data checked against {@link SECRET_PATTERNS}. */
export function scanUserData(text: string): { kind: string; line: number }[] {
  const hits: { kind: string; line: number }[] = [];
  text.split('\n').forEach((line, index) => {
    for (const [kind, pattern] of SECRET_PATTERNS) if (pattern.test(line)) hits.push({ kind, line: index + 1 });
  });
  return hits;
}

/** Decode user data bytes (base64 from EC2): plain text, or gzip as cloud-init takes it. */
export function userDataText(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: 1 << 20 }).toString('utf8');
    } catch {
      return bytes.toString('latin1');
    }
  }
  return bytes.toString('utf8');
}
