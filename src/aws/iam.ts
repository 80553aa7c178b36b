/**
 * The IAM port: only the IAM operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-iam on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-iam';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link IAMPort}, in AWS's spelling. */
export const IAM_OPERATIONS = [
  'CreateRole',
  'GetRole',
  'DeleteRole',
  'TagRole',
  'ListRoles',
  'UpdateAssumeRolePolicy',
  'PutRolePolicy',
  'GetRolePolicy',
  'DeleteRolePolicy',
  'ListRolePolicies',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'ListAttachedRolePolicies',
  'CreateInstanceProfile',
  'GetInstanceProfile',
  'ListInstanceProfiles',
  'ListInstanceProfilesForRole',
  'AddRoleToInstanceProfile',
  'RemoveRoleFromInstanceProfile',
  'DeleteInstanceProfile',
  'TagInstanceProfile',
  'GetUser',
] as const;

export interface IAMPort {
  createRole(input: SDK.CreateRoleCommandInput): Promise<SDK.CreateRoleCommandOutput>;
  getRole(input: SDK.GetRoleCommandInput): Promise<SDK.GetRoleCommandOutput>;
  deleteRole(input: SDK.DeleteRoleCommandInput): Promise<SDK.DeleteRoleCommandOutput>;
  tagRole(input: SDK.TagRoleCommandInput): Promise<SDK.TagRoleCommandOutput>;
  listRoles(input: SDK.ListRolesCommandInput): Promise<SDK.ListRolesCommandOutput>;
  updateAssumeRolePolicy(
    input: SDK.UpdateAssumeRolePolicyCommandInput,
  ): Promise<SDK.UpdateAssumeRolePolicyCommandOutput>;
  putRolePolicy(input: SDK.PutRolePolicyCommandInput): Promise<SDK.PutRolePolicyCommandOutput>;
  getRolePolicy(input: SDK.GetRolePolicyCommandInput): Promise<SDK.GetRolePolicyCommandOutput>;
  deleteRolePolicy(input: SDK.DeleteRolePolicyCommandInput): Promise<SDK.DeleteRolePolicyCommandOutput>;
  listRolePolicies(input: SDK.ListRolePoliciesCommandInput): Promise<SDK.ListRolePoliciesCommandOutput>;
  attachRolePolicy(input: SDK.AttachRolePolicyCommandInput): Promise<SDK.AttachRolePolicyCommandOutput>;
  detachRolePolicy(input: SDK.DetachRolePolicyCommandInput): Promise<SDK.DetachRolePolicyCommandOutput>;
  listAttachedRolePolicies(
    input: SDK.ListAttachedRolePoliciesCommandInput,
  ): Promise<SDK.ListAttachedRolePoliciesCommandOutput>;
  createInstanceProfile(input: SDK.CreateInstanceProfileCommandInput): Promise<SDK.CreateInstanceProfileCommandOutput>;
  getInstanceProfile(input: SDK.GetInstanceProfileCommandInput): Promise<SDK.GetInstanceProfileCommandOutput>;
  listInstanceProfiles(input: SDK.ListInstanceProfilesCommandInput): Promise<SDK.ListInstanceProfilesCommandOutput>;
  listInstanceProfilesForRole(
    input: SDK.ListInstanceProfilesForRoleCommandInput,
  ): Promise<SDK.ListInstanceProfilesForRoleCommandOutput>;
  addRoleToInstanceProfile(
    input: SDK.AddRoleToInstanceProfileCommandInput,
  ): Promise<SDK.AddRoleToInstanceProfileCommandOutput>;
  removeRoleFromInstanceProfile(
    input: SDK.RemoveRoleFromInstanceProfileCommandInput,
  ): Promise<SDK.RemoveRoleFromInstanceProfileCommandOutput>;
  deleteInstanceProfile(input: SDK.DeleteInstanceProfileCommandInput): Promise<SDK.DeleteInstanceProfileCommandOutput>;
  tagInstanceProfile(input: SDK.TagInstanceProfileCommandInput): Promise<SDK.TagInstanceProfileCommandOutput>;
  /** Whether a key administrator named as a user exists (KMS refuses a policy naming one that does not). */
  getUser(input: SDK.GetUserCommandInput): Promise<SDK.GetUserCommandOutput>;
}

/** The real IAM port over the AWS SDK v3 client built with `config`. */
export function createIAMPort(config: SDK.IAMClientConfig): IAMPort & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-iam'),
    (sdk) => new sdk.IAMClient(config),
  );
  return {
    async createRole(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateRoleCommand(input));
    },
    async getRole(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetRoleCommand(input));
    },
    async getUser(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetUserCommand(input));
    },
    async deleteRole(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteRoleCommand(input));
    },
    async tagRole(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.TagRoleCommand(input));
    },
    async listRoles(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListRolesCommand(input));
    },
    async updateAssumeRolePolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.UpdateAssumeRolePolicyCommand(input));
    },
    async putRolePolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutRolePolicyCommand(input));
    },
    async getRolePolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetRolePolicyCommand(input));
    },
    async deleteRolePolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteRolePolicyCommand(input));
    },
    async listRolePolicies(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListRolePoliciesCommand(input));
    },
    async attachRolePolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AttachRolePolicyCommand(input));
    },
    async detachRolePolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DetachRolePolicyCommand(input));
    },
    async listAttachedRolePolicies(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListAttachedRolePoliciesCommand(input));
    },
    async createInstanceProfile(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateInstanceProfileCommand(input));
    },
    async getInstanceProfile(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetInstanceProfileCommand(input));
    },
    async listInstanceProfiles(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListInstanceProfilesCommand(input));
    },
    async listInstanceProfilesForRole(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListInstanceProfilesForRoleCommand(input));
    },
    async addRoleToInstanceProfile(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AddRoleToInstanceProfileCommand(input));
    },
    async removeRoleFromInstanceProfile(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.RemoveRoleFromInstanceProfileCommand(input));
    },
    async deleteInstanceProfile(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteInstanceProfileCommand(input));
    },
    async tagInstanceProfile(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.TagInstanceProfileCommand(input));
    },
    destroy: lazy.destroy,
  };
}
