/** The simulated IAM behind {@link IAMPort}. Behaviour spec: ./README.md, "IAM". */
import type * as SDK from '@aws-sdk/client-iam';
import type { IAMPort } from '../iam.js';
import { MANAGED_POLICIES } from './catalogue.js';
import type { SandboxEngine, Tx } from './engine.js';
import { type InstanceProfileRecord, type RoleRecord } from './state.js';
import { iamUniqueId } from './state-new.js';
import { mergeTags } from './util.js';
import {
  INLINE_QUOTA,
  POLICY_NAME,
  checkName,
  checkPath,
  checkIamTags,
  findProfile,
  findRole,
  iamListPage,
  parseIamPolicy,
  profileOutput,
  roleArn,
  roleOutput,
} from './iam-records.js';

export class SandboxIAM implements IAMPort {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  #call<O extends object>(operation: string, write: boolean, input: object, run: (tx: Tx) => O) {
    return this.#engine.call({ service: 'iam', operation, write, input, run, trailRegion: 'us-east-1' });
  }

  createRole(input: SDK.CreateRoleCommandInput) {
    return this.#call('CreateRole', true, input, (tx) => {
      const name = checkName(tx, input.RoleName, 'roleName');
      const path = checkPath(tx, input.Path);
      const tags = checkIamTags(tx, input.Tags ?? []);
      if (
        input.MaxSessionDuration !== undefined &&
        (input.MaxSessionDuration < 3600 || input.MaxSessionDuration > 43200)
      )
        throw tx.error('ValidationError', 'The requested MaxSessionDuration must be between 3600 and 43200 seconds.');
      const boundary = input.PermissionsBoundary;
      if (boundary !== undefined && !/^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy\/[\w+=,.@/-]+$/.test(boundary)) {
        throw tx.error('ValidationError', `ARN ${boundary} is not valid.`);
      }
      if (Object.values(tx.state.iam.roles).some((role) => role.name.toLowerCase() === name.toLowerCase()))
        throw tx.error('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
      parseIamPolicy(tx, input.AssumeRolePolicyDocument, 'trust');
      const arn = roleArn(tx.state.accountId, path, name);
      tx.authorize({ action: 'iam:CreateRole', resource: arn });
      if (tags.length > 0) tx.authorize({ action: 'iam:TagRole', resource: arn });
      const role: RoleRecord = {
        name,
        id: iamUniqueId('AROA', tx.state.accountId, name, tx.now.toISOString()),
        path,
        arn,
        createdAt: tx.now.toISOString(),
        assumeRolePolicy: input.AssumeRolePolicyDocument!,
        ...(input.Description === undefined ? {} : { description: input.Description }),
        maxSessionDuration: input.MaxSessionDuration ?? 3600,
        ...(boundary === undefined ? {} : { permissionsBoundary: boundary }),
        tags,
        inlinePolicies: {},
        attachedPolicies: [],
      };
      tx.state.iam.roles[name] = role;
      tx.trail({
        responseElements: { role: { arn, roleId: role.id, roleName: name, path } },
        resources: [{ ARN: arn, type: 'AWS::IAM::Role' }],
      });
      return { Role: roleOutput(role) };
    });
  }

  getRole(input: SDK.GetRoleCommandInput) {
    return this.#call('GetRole', false, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:GetRole', resource: role.arn });
      return { Role: roleOutput(role) };
    });
  }

  getUser(input: SDK.GetUserCommandInput) {
    return this.#call('GetUser', false, input, (tx) => {
      // Authorized first (AWS answers AccessDenied for a user that may not exist); names compare
      // ignoring case, as findRole's do (IAM names are unique ignoring case).
      tx.authorize({
        action: 'iam:GetUser',
        resource: `arn:aws:iam::${tx.state.accountId}:user/${input.UserName ?? ''}`,
      });
      const name = (input.UserName ?? '').toLowerCase();
      const user = Object.values(tx.state.iam.users).find((candidate) => candidate.name.toLowerCase() === name);
      if (user === undefined)
        throw tx.error('NoSuchEntity', `The user with name ${input.UserName ?? ''} cannot be found.`, 404);
      return {
        User: {
          Path: '/',
          UserName: user.name,
          UserId: user.id,
          Arn: user.arn,
          CreateDate: new Date(user.createdAt),
        },
      };
    });
  }

  deleteRole(input: SDK.DeleteRoleCommandInput) {
    return this.#call('DeleteRole', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:DeleteRole', resource: role.arn });
      if (Object.values(tx.state.iam.instanceProfiles).some((profile) => profile.roles.includes(role.name)))
        throw tx.error('DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.', 409);
      if (Object.keys(role.inlinePolicies).length > 0)
        throw tx.error('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
      if (role.attachedPolicies.length > 0)
        throw tx.error('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
      delete tx.state.iam.roles[role.name];
      return {};
    });
  }

  tagRole(input: SDK.TagRoleCommandInput) {
    return this.#call('TagRole', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      const tags = checkIamTags(tx, input.Tags ?? []);
      tx.authorize({ action: 'iam:TagRole', resource: role.arn });
      const merged = mergeTags(role.tags, tags);
      if (merged.length > 50) throw tx.error('LimitExceeded', 'The number of tags has reached the maximum limit.', 409);
      role.tags = merged;
      return {};
    });
  }

  listRoles(input: SDK.ListRolesCommandInput) {
    return this.#call('ListRoles', false, input, (tx) => {
      tx.authorize({ action: 'iam:ListRoles', resource: `arn:aws:iam::${tx.state.accountId}:role/` });
      const prefix = input.PathPrefix ?? '/';
      const roles = Object.values(tx.state.iam.roles)
        .filter((role) => role.path.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = iamListPage(tx, roles, input, { prefix });
      return {
        Roles: page.items.map((role) => roleOutput(role, true)),
        IsTruncated: page.IsTruncated,
        ...(page.Marker === undefined ? {} : { Marker: page.Marker }),
      };
    });
  }

  updateAssumeRolePolicy(input: SDK.UpdateAssumeRolePolicyCommandInput) {
    return this.#call('UpdateAssumeRolePolicy', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      parseIamPolicy(tx, input.PolicyDocument, 'trust');
      tx.authorize({ action: 'iam:UpdateAssumeRolePolicy', resource: role.arn });
      role.assumeRolePolicy = input.PolicyDocument!;
      return {};
    });
  }

  putRolePolicy(input: SDK.PutRolePolicyCommandInput) {
    return this.#call('PutRolePolicy', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      if (input.PolicyName === undefined || !POLICY_NAME.test(input.PolicyName))
        throw tx.error('ValidationError', `The specified value for policyName is invalid.`);
      parseIamPolicy(tx, input.PolicyDocument, 'identity');
      tx.authorize({ action: 'iam:PutRolePolicy', resource: role.arn });
      const next = { ...role.inlinePolicies, [input.PolicyName]: input.PolicyDocument! };
      const size = Object.values(next).reduce((total, text) => total + text.replace(/\s/g, '').length, 0);
      if (size > INLINE_QUOTA)
        throw tx.error(
          'LimitExceeded',
          `Maximum policy size of ${INLINE_QUOTA} bytes exceeded for role ${role.name}`,
          409,
        );
      role.inlinePolicies = next;
      return {};
    });
  }

  getRolePolicy(input: SDK.GetRolePolicyCommandInput) {
    return this.#call('GetRolePolicy', false, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:GetRolePolicy', resource: role.arn });
      const document = input.PolicyName === undefined ? undefined : role.inlinePolicies[input.PolicyName];
      if (document === undefined)
        throw tx.error('NoSuchEntity', `The role policy with name ${input.PolicyName ?? ''} cannot be found.`, 404);
      return { RoleName: role.name, PolicyName: input.PolicyName!, PolicyDocument: encodeURIComponent(document) };
    });
  }

  deleteRolePolicy(input: SDK.DeleteRolePolicyCommandInput) {
    return this.#call('DeleteRolePolicy', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:DeleteRolePolicy', resource: role.arn });
      if (input.PolicyName === undefined || role.inlinePolicies[input.PolicyName] === undefined)
        throw tx.error('NoSuchEntity', `The role policy with name ${input.PolicyName ?? ''} cannot be found.`, 404);
      const { [input.PolicyName]: _removed, ...rest } = role.inlinePolicies;
      role.inlinePolicies = rest;
      return {};
    });
  }

  listRolePolicies(input: SDK.ListRolePoliciesCommandInput) {
    return this.#call('ListRolePolicies', false, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:ListRolePolicies', resource: role.arn });
      const page = iamListPage(tx, Object.keys(role.inlinePolicies).sort(), input, { role: role.name });
      return {
        PolicyNames: page.items,
        IsTruncated: page.IsTruncated,
        ...(page.Marker === undefined ? {} : { Marker: page.Marker }),
      };
    });
  }

  attachRolePolicy(input: SDK.AttachRolePolicyCommandInput) {
    return this.#call('AttachRolePolicy', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      const arn = input.PolicyArn ?? '';
      if (!/^arn:aws:iam::(aws|\d{12}):policy\//.test(arn)) throw tx.error('InvalidInput', `ARN ${arn} is not valid.`);
      if (!MANAGED_POLICIES.has(arn))
        throw tx.error('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
      // iam:PolicyARN: the policy being attached, as IAM sets it for Attach/DetachRolePolicy.
      tx.authorize({ action: 'iam:AttachRolePolicy', resource: role.arn, context: { 'iam:PolicyARN': arn } });
      if (!role.attachedPolicies.includes(arn)) {
        if (role.attachedPolicies.length >= 10)
          throw tx.error('LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: 10', 409);
        role.attachedPolicies.push(arn);
      }
      return {};
    });
  }

  detachRolePolicy(input: SDK.DetachRolePolicyCommandInput) {
    return this.#call('DetachRolePolicy', true, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({
        action: 'iam:DetachRolePolicy',
        resource: role.arn,
        context: { 'iam:PolicyARN': input.PolicyArn ?? '' },
      });
      if (!role.attachedPolicies.includes(input.PolicyArn ?? ''))
        throw tx.error('NoSuchEntity', `Policy ${input.PolicyArn ?? ''} was not found.`, 404);
      role.attachedPolicies = role.attachedPolicies.filter((arn) => arn !== input.PolicyArn);
      return {};
    });
  }

  listAttachedRolePolicies(input: SDK.ListAttachedRolePoliciesCommandInput) {
    return this.#call('ListAttachedRolePolicies', false, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:ListAttachedRolePolicies', resource: role.arn });
      const prefix = input.PathPrefix ?? '/';
      const attached = role.attachedPolicies
        .filter(() => prefix === '/' || prefix === '/service-role/')
        .map((arn) => ({ PolicyArn: arn, PolicyName: MANAGED_POLICIES.get(arn)?.name ?? arn.split('/').pop() }));
      const page = iamListPage(tx, attached, input, { role: role.name, prefix });
      return {
        AttachedPolicies: page.items,
        IsTruncated: page.IsTruncated,
        ...(page.Marker === undefined ? {} : { Marker: page.Marker }),
      };
    });
  }

  createInstanceProfile(input: SDK.CreateInstanceProfileCommandInput) {
    return this.#call('CreateInstanceProfile', true, input, (tx) => {
      const name = checkName(tx, input.InstanceProfileName, 'instanceProfileName');
      const path = checkPath(tx, input.Path);
      const tags = checkIamTags(tx, input.Tags ?? []);
      if (
        Object.values(tx.state.iam.instanceProfiles).some(
          (profile) => profile.name.toLowerCase() === name.toLowerCase(),
        )
      )
        throw tx.error('EntityAlreadyExists', `Instance Profile ${name} already exists.`, 409);
      const arn = `arn:aws:iam::${tx.state.accountId}:instance-profile${path}${name}`;
      tx.authorize({ action: 'iam:CreateInstanceProfile', resource: arn });
      const profile: InstanceProfileRecord = {
        name,
        id: iamUniqueId('AIPA', tx.state.accountId, name, tx.now.toISOString()),
        path,
        arn,
        createdAt: tx.now.toISOString(),
        roles: [],
        tags,
      };
      tx.state.iam.instanceProfiles[name] = profile;
      tx.trail({ resources: [{ ARN: arn, type: 'AWS::IAM::InstanceProfile' }] });
      return { InstanceProfile: profileOutput(tx.state, profile) };
    });
  }

  getInstanceProfile(input: SDK.GetInstanceProfileCommandInput) {
    return this.#call('GetInstanceProfile', false, input, (tx) => {
      const profile = findProfile(tx, input.InstanceProfileName);
      tx.authorize({ action: 'iam:GetInstanceProfile', resource: profile.arn });
      return { InstanceProfile: profileOutput(tx.state, profile) };
    });
  }

  listInstanceProfiles(input: SDK.ListInstanceProfilesCommandInput) {
    return this.#call('ListInstanceProfiles', false, input, (tx) => {
      tx.authorize({
        action: 'iam:ListInstanceProfiles',
        resource: `arn:aws:iam::${tx.state.accountId}:instance-profile/`,
      });
      const prefix = input.PathPrefix ?? '/';
      const profiles = Object.values(tx.state.iam.instanceProfiles)
        .filter((profile) => profile.path.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = iamListPage(tx, profiles, input, { prefix });
      return {
        InstanceProfiles: page.items.map((profile) => profileOutput(tx.state, profile)),
        IsTruncated: page.IsTruncated,
        ...(page.Marker === undefined ? {} : { Marker: page.Marker }),
      };
    });
  }

  listInstanceProfilesForRole(input: SDK.ListInstanceProfilesForRoleCommandInput) {
    return this.#call('ListInstanceProfilesForRole', false, input, (tx) => {
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:ListInstanceProfilesForRole', resource: role.arn });
      const profiles = Object.values(tx.state.iam.instanceProfiles)
        .filter((profile) => profile.roles.includes(role.name))
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = iamListPage(tx, profiles, input, { role: role.name });
      return {
        InstanceProfiles: page.items.map((profile) => profileOutput(tx.state, profile)),
        IsTruncated: page.IsTruncated,
        ...(page.Marker === undefined ? {} : { Marker: page.Marker }),
      };
    });
  }

  addRoleToInstanceProfile(input: SDK.AddRoleToInstanceProfileCommandInput) {
    return this.#call('AddRoleToInstanceProfile', true, input, (tx) => {
      const profile = findProfile(tx, input.InstanceProfileName);
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:AddRoleToInstanceProfile', resource: profile.arn });
      tx.authorize({ action: 'iam:PassRole', resource: role.arn });
      if (profile.roles.length > 0)
        throw tx.error('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
      profile.roles = [role.name];
      profile.roleAddedAt = tx.now.toISOString();
      return {};
    });
  }

  removeRoleFromInstanceProfile(input: SDK.RemoveRoleFromInstanceProfileCommandInput) {
    return this.#call('RemoveRoleFromInstanceProfile', true, input, (tx) => {
      const profile = findProfile(tx, input.InstanceProfileName);
      const role = findRole(tx, input.RoleName);
      tx.authorize({ action: 'iam:RemoveRoleFromInstanceProfile', resource: profile.arn });
      if (!profile.roles.includes(role.name))
        throw tx.error(
          'NoSuchEntity',
          `The role with name ${role.name} cannot be found in instance profile ${profile.name}.`,
          404,
        );
      profile.roles = [];
      delete profile.roleAddedAt;
      return {};
    });
  }

  deleteInstanceProfile(input: SDK.DeleteInstanceProfileCommandInput) {
    return this.#call('DeleteInstanceProfile', true, input, (tx) => {
      const profile = findProfile(tx, input.InstanceProfileName);
      tx.authorize({ action: 'iam:DeleteInstanceProfile', resource: profile.arn });
      if (profile.roles.length > 0)
        throw tx.error('DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.', 409);
      delete tx.state.iam.instanceProfiles[profile.name];
      return {};
    });
  }

  tagInstanceProfile(input: SDK.TagInstanceProfileCommandInput) {
    return this.#call('TagInstanceProfile', true, input, (tx) => {
      const profile = findProfile(tx, input.InstanceProfileName);
      const tags = checkIamTags(tx, input.Tags ?? []);
      tx.authorize({ action: 'iam:TagInstanceProfile', resource: profile.arn });
      const merged = mergeTags(profile.tags, tags);
      if (merged.length > 50) throw tx.error('LimitExceeded', 'The number of tags has reached the maximum limit.', 409);
      profile.tags = merged;
      return {};
    });
  }
}
