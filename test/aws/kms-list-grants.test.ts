// Listing every grant of a key through the port: all pages, and never a silent partial list.
import type * as KMS from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { listAllGrants, readKeyGrants } from '../../src/aws/kms.js';

type Page = Pick<KMS.ListGrantsCommandOutput, 'Grants' | 'Truncated' | 'NextMarker'>;

/** A listGrants that answers `pages` in order, recording the markers it was asked for. */
function port(pages: Page[]) {
  const markers: (string | undefined)[] = [];
  return {
    markers,
    listGrants: (input: KMS.ListGrantsCommandInput) => {
      markers.push(input.Marker);
      const page = pages[markers.length - 1];
      return page === undefined
        ? Promise.reject(new Error('asked for one page too many'))
        : Promise.resolve({ ...page, $metadata: {} });
    },
  };
}

const grant = (id: string): KMS.GrantListEntry => ({
  GrantId: id.repeat(64),
  Operations: ['Decrypt'],
  GranteePrincipal: 'arn:aws:iam::111122223333:role/r',
});

describe('listAllGrants', () => {
  it('follows NextMarker while Truncated', async () => {
    const kms = port([
      { Grants: [grant('a')], Truncated: true, NextMarker: 'm1' },
      { Grants: [grant('b')], Truncated: true, NextMarker: 'm2' },
      { Grants: [], Truncated: false },
    ]);
    expect((await listAllGrants(kms, 'k')).map((g) => g.GrantId)).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    expect(kms.markers).toEqual([undefined, 'm1', 'm2']);
  });

  it.each([
    ['a truncated page without a marker', [{ Grants: [grant('a')], Truncated: true }]],
    [
      'a marker that repeats',
      [
        { Grants: [grant('a')], Truncated: true, NextMarker: 'm' },
        { Grants: [grant('b')], Truncated: true, NextMarker: 'm' },
      ],
    ],
  ])('refuses %s rather than return part of the list', async (_name, pages) => {
    await expect(listAllGrants(port(pages), 'k')).toThrowCosignerError('AWS_SERVICE_ERROR');
  });
});

describe('readKeyGrants', () => {
  it('reads AccessDeniedException as grants not listed, and passes other errors on', async () => {
    const denied = Object.assign(new Error('User: x is not authorized to perform: kms:ListGrants'), {
      name: 'AccessDeniedException',
      $fault: 'client',
    });
    await expect(readKeyGrants({ listGrants: () => Promise.reject(denied) }, 'k')).resolves.toEqual({
      listed: false,
      reason: 'kms:ListGrants was denied to the caller',
    });
    const missing = Object.assign(new Error('Key does not exist'), { name: 'NotFoundException', $fault: 'client' });
    await expect(readKeyGrants({ listGrants: () => Promise.reject(missing) }, 'k')).rejects.toBe(missing);
  });

  it('maps entries to the shape the check reads, dropping an empty name', async () => {
    const kms = port([
      {
        Grants: [
          { ...grant('a'), Name: '', Constraints: {} },
          { ...grant('b'), Name: 'job', RetiringPrincipal: 'arn:aws:iam::111122223333:role/ops' },
        ],
        Truncated: false,
      },
    ]);
    expect(await readKeyGrants(kms, 'k')).toEqual({
      listed: true,
      grants: [
        { GrantId: 'a'.repeat(64), GranteePrincipal: 'arn:aws:iam::111122223333:role/r', Operations: ['Decrypt'] },
        {
          GrantId: 'b'.repeat(64),
          GranteePrincipal: 'arn:aws:iam::111122223333:role/r',
          Operations: ['Decrypt'],
          Name: 'job',
          RetiringPrincipal: 'arn:aws:iam::111122223333:role/ops',
        },
      ],
    });
  });
});
