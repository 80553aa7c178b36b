/**
 * Do the key administrators of the config exist? KMS refuses a key policy that names an IAM user
 * or role that does not exist (MalformedPolicyDocumentException, "invalid principals"), the same
 * answer it gives for a role created a moment ago that IAM has not propagated yet. So provision
 * would wait the whole IAM propagation budget and then blame the co-signer role. Administrators
 * in this account are looked up before any write; another account's cannot be, and are left to
 * KMS. A lookup IAM refuses (no iam:GetRole / iam:GetUser) proves nothing and is not a refusal.
 */
import type { AwsPorts } from '../aws/ports.js';
import { isAccessDenied, isNotFound } from '../engine/aws-util.js';
import { parseIamIdentityArn } from '../policy/arn.js';

/** The administrators of this account that are certainly not there (none when not readable). */
export async function missingKeyAdmins(
  ports: Pick<AwsPorts, 'iam'>,
  adminArns: readonly string[],
  accountId: string,
): Promise<string[]> {
  const answers = await Promise.all(
    adminArns.map(async (arn) => {
      const identity = parseIamIdentityArn(arn);
      if (identity === undefined || identity.accountId !== accountId) return undefined;
      const { kind, path, name } = identity;
      try {
        const found =
          kind === 'role'
            ? (await ports.iam.getRole({ RoleName: name })).Role
            : (await ports.iam.getUser({ UserName: name })).User;
        // The same name under another path is another ARN, which KMS would not find either.
        return found?.Path !== undefined && found.Path !== path ? arn : undefined;
      } catch (error) {
        if (isNotFound(error)) return arn;
        if (isAccessDenied(error)) return undefined;
        throw error;
      }
    }),
  );
  return answers.filter((arn): arn is string => arn !== undefined);
}
