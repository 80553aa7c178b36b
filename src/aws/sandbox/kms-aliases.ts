/** Aliases: name rules, CreateAlias, UpdateAlias, DeleteAlias, ListAliases (with the AWS managed aliases). */
import type * as SDK from '@aws-sdk/client-kms';
import type { Tx } from './engine.js';
import { authorizeKey, isDeleted, keyTrail, kmsListPage, requireState, resolveKey } from './kms-keys.js';
import type { KeyRecord } from './state.js';

const AWS_MANAGED_ALIASES = ['alias/aws/ebs', 'alias/aws/s3', 'alias/aws/ssm'];

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

function checkAliasName(tx: Tx, name: string | undefined): string {
  if (name === undefined || !ALIAS_NAME.test(name))
    throw tx.error(
      'ValidationException',
      `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`,
    );
  if (name.startsWith('alias/aws/'))
    throw tx.error('NotAuthorizedException', 'Cannot create alias with prefix alias/aws/');
  return name;
}

export function createAlias(tx: Tx, input: SDK.CreateAliasCommandInput) {
  const name = checkAliasName(tx, input.AliasName);
  const resolved = resolveKey(tx, input.TargetKeyId, false);
  keyTrail(tx, resolved.key);
  const aliasArn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:${name}`;
  tx.authorize({ action: 'kms:CreateAlias', resource: aliasArn });
  authorizeKey(tx, resolved, 'kms:CreateAlias');
  requireState(tx, resolved.key, ['Enabled', 'Disabled', 'PendingImport']);
  const existing = tx.regionState.kms.aliases[name];
  const existingKey = existing === undefined ? undefined : tx.regionState.kms.keys[existing.keyId];
  if (existingKey !== undefined && !isDeleted(existingKey, tx.now)) {
    throw tx.error('AlreadyExistsException', `An alias with the name ${aliasArn} already exists`);
  }
  if (Object.values(tx.regionState.kms.aliases).filter((alias) => alias.keyId === resolved.key.id).length >= 50)
    throw tx.error('LimitExceededException', 'Cannot exceed quota for AliasesPerKey: 50');
  tx.regionState.kms.aliases[name] = {
    name,
    keyId: resolved.key.id,
    createdAt: tx.now.toISOString(),
    updatedAt: tx.now.toISOString(),
  };
  return {};
}

export function updateAlias(tx: Tx, input: SDK.UpdateAliasCommandInput) {
  const name = checkAliasName(tx, input.AliasName);
  const alias = tx.regionState.kms.aliases[name];
  const aliasArn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:${name}`;
  const current = alias === undefined ? undefined : tx.regionState.kms.keys[alias.keyId];
  if (alias === undefined || current === undefined || isDeleted(current, tx.now))
    throw tx.error('NotFoundException', `Alias ${aliasArn} is not found.`);
  const target = resolveKey(tx, input.TargetKeyId, false);
  tx.authorize({ action: 'kms:UpdateAlias', resource: aliasArn });
  authorizeKey(tx, { key: current }, 'kms:UpdateAlias');
  authorizeKey(tx, target, 'kms:UpdateAlias');
  requireState(tx, target.key, ['Enabled', 'Disabled', 'PendingImport']);
  alias.keyId = target.key.id;
  alias.updatedAt = tx.now.toISOString();
  return {};
}

export function deleteAlias(tx: Tx, input: SDK.DeleteAliasCommandInput) {
  const name = checkAliasName(tx, input.AliasName);
  const alias = tx.regionState.kms.aliases[name];
  const aliasArn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:${name}`;
  const key = alias === undefined ? undefined : tx.regionState.kms.keys[alias.keyId];
  if (alias === undefined || key === undefined || isDeleted(key, tx.now))
    throw tx.error('NotFoundException', `Alias ${aliasArn} is not found.`);
  tx.authorize({ action: 'kms:DeleteAlias', resource: aliasArn });
  authorizeKey(tx, { key }, 'kms:DeleteAlias');
  delete tx.regionState.kms.aliases[name];
  return {};
}

export function listAliases(tx: Tx, input: SDK.ListAliasesCommandInput) {
  let target: KeyRecord | undefined;
  if (input.KeyId !== undefined) {
    target = resolveKey(tx, input.KeyId, false).key;
    authorizeKey(tx, { key: target }, 'kms:ListAliases');
  } else {
    tx.authorize({ action: 'kms:ListAliases', resource: '*' });
  }
  const prefix = `arn:aws:kms:${tx.region}:${tx.state.accountId}:`;
  const customer = Object.values(tx.regionState.kms.aliases)
    .filter((alias) => {
      const key = tx.regionState.kms.keys[alias.keyId];
      return key !== undefined && !isDeleted(key, tx.now) && (target === undefined || key.id === target.id);
    })
    .map((alias): SDK.AliasListEntry => ({
      AliasName: alias.name,
      AliasArn: `${prefix}${alias.name}`,
      TargetKeyId: alias.keyId,
      CreationDate: new Date(alias.createdAt),
      LastUpdatedDate: new Date(alias.updatedAt),
    }));
  const managed =
    target === undefined
      ? AWS_MANAGED_ALIASES.map((name): SDK.AliasListEntry => ({ AliasName: name, AliasArn: `${prefix}${name}` }))
      : [];
  const all = [...customer, ...managed].sort((a, b) => (a.AliasName ?? '').localeCompare(b.AliasName ?? ''));
  const page = kmsListPage(tx, all, input, { key: target?.id });
  return {
    Aliases: page.items,
    Truncated: page.Truncated,
    ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }),
  };
}
