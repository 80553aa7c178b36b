// The one rule for "is this principal the role / an administrator / the caller": IAM user and role
// names are unique in an account ignoring case, so they compare case-insensitively; the partition,
// account, type and path compare exactly.
import { describe, expect, it } from 'vitest';
import { isRoleOrSession, isSessionOfRole, sameIamPrincipal } from '../../src/policy/arn.js';

const ROLE = 'arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner';

describe('sameIamPrincipal', () => {
  it.each<[string, string, string, boolean]>([
    ['the same ARN', ROLE, ROLE, true],
    ['the name in another case', ROLE, 'arn:aws:iam::111122223333:role/cosigner-cli/Demo-Cosigner', true],
    ['the name in upper case, both ways', 'arn:aws:iam::111122223333:role/cosigner-cli/DEMO-COSIGNER', ROLE, true],
    [
      'a user name in another case',
      'arn:aws:iam::111122223333:user/Alice',
      'arn:aws:iam::111122223333:user/alice',
      true,
    ],
    ['the path in another case', ROLE, 'arn:aws:iam::111122223333:role/Cosigner-CLI/demo-cosigner', false],
    ['another path', ROLE, 'arn:aws:iam::111122223333:role/demo-cosigner', false],
    ['another account', ROLE, 'arn:aws:iam::444455556666:role/cosigner-cli/demo-cosigner', false],
    ['another partition', ROLE, 'arn:aws-cn:iam::111122223333:role/cosigner-cli/demo-cosigner', false],
    ['a user of the same name', ROLE, 'arn:aws:iam::111122223333:user/cosigner-cli/demo-cosigner', false],
    ['another name', ROLE, 'arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner2', false],
    [
      'a session whose role name differs in case',
      'arn:aws:sts::111122223333:assumed-role/Demo/alice',
      'arn:aws:sts::111122223333:assumed-role/demo/alice',
      true,
    ],
    [
      'a session of another name',
      'arn:aws:sts::111122223333:assumed-role/demo/alice',
      'arn:aws:sts::111122223333:assumed-role/demo/bob',
      false,
    ],
    ['account roots compare as written', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:ROOT', false],
  ])('%s', (_name, a, b, same) => {
    expect(sameIamPrincipal(a, b)).toBe(same);
    expect(sameIamPrincipal(b, a)).toBe(same);
  });
});

describe('isSessionOfRole / isRoleOrSession', () => {
  it('reads a session of the role (any case of its name) as the role; its path is not in a session ARN', () => {
    expect(isSessionOfRole('arn:aws:sts::111122223333:assumed-role/DEMO-cosigner/i-0abc', ROLE)).toBe(true);
    expect(isSessionOfRole('arn:aws:sts::444455556666:assumed-role/demo-cosigner/i-0abc', ROLE)).toBe(false);
    expect(isSessionOfRole('arn:aws:sts::111122223333:assumed-role/other/i-0abc', ROLE)).toBe(false);
    expect(
      isSessionOfRole('arn:aws:sts::111122223333:assumed-role/alice/x', 'arn:aws:iam::111122223333:user/alice'),
    ).toBe(false);
    expect(isRoleOrSession('arn:aws:iam::111122223333:role/cosigner-cli/Demo-Cosigner', ROLE)).toBe(true);
    expect(isRoleOrSession('arn:aws:iam::111122223333:root', ROLE)).toBe(false);
  });
});
