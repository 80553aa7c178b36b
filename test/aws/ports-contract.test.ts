// Port contract: the same expectations hold for the sandbox and for the real SDK clients talking
// to an AWS-compatible endpoint that answers with recorded AWS responses. The expectations are
// what the commands rely on: output shapes, error names, status codes, faults, and how the
// errors classify.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsErrorStatus, classifyAwsError, isAwsErrorNamed, isIamPropagationError } from '../../src/aws/errors.js';
import { describeCaller } from '../../src/aws/identity.js';
import { readKeyGrants, toKeyGrant } from '../../src/aws/kms.js';
import { createAwsPorts, type AwsPorts } from '../../src/aws/ports.js';
import { AL2023_X86_PARAMETER, createSandboxPorts, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { recorded, startFakeAwsServer, type FakeAwsServer, type FakeResponse } from '../fakes/aws-http-server.js';
import { EC2_TRUST, FAST, tempDir } from './helpers.js';

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ADMIN = 'arn:aws:iam::111122223333:user/sandbox-admin';
const EXAMPLE_KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';

interface Contract {
  name: string;
  /** Brings the sandbox into the state in which `call` shows the behaviour. */
  arrange?: (ports: AwsPorts) => Promise<void>;
  /** The recorded AWS response for the real path. */
  response: FakeResponse;
  /** Recorded answers to the setup calls `call` makes first on the real path, by action. */
  setup?: Record<string, FakeResponse>;
  call: (ports: AwsPorts) => Promise<unknown>;
  expect: (outcome: { value?: unknown; error?: unknown }) => void;
}

function expectError(
  outcome: { error?: unknown },
  name: string,
  status: number,
  code: string,
): Record<string, unknown> {
  expect(outcome.error, 'the call should fail').toBeDefined();
  const error = outcome.error as Record<string, unknown>;
  expect(isAwsErrorNamed(error, name), `error name ${String(error['name'])} should match ${name}`).toBe(true);
  expect(awsErrorStatus(error)).toBe(status);
  expect(error['$fault']).toBe(status >= 500 ? 'server' : 'client');
  expect(classifyAwsError(error).code).toBe(code);
  return error;
}

async function freshRole(ports: AwsPorts): Promise<void> {
  await ports.iam.createRole({ RoleName: 'cosigner-prod', AssumeRolePolicyDocument: EC2_TRUST });
}

const contracts: Contract[] = [
  {
    name: 'GetCallerIdentity returns the account and caller',
    response: recorded.query(
      'GetCallerIdentity',
      STS_NS,
      '<UserId>AIDAEXAMPLEUSERID0001</UserId><Account>111122223333</Account><Arn>arn:aws:iam::111122223333:user/sandbox-admin</Arn>',
    ),
    call: (ports) => describeCaller(ports),
    expect: ({ value }) =>
      expect(value).toMatchObject({
        accountId: '111122223333',
        callerArn: expect.stringMatching(/^arn:aws:iam::111122223333:/) as unknown,
      }),
  },
  {
    name: 'the AL2023 public parameter names an AMI',
    response: recorded.json({
      Parameter: {
        Name: AL2023_X86_PARAMETER,
        Type: 'String',
        Value: 'ami-0a1b2c3d4e5f67890',
        Version: 112,
        DataType: 'aws:ec2:image',
      },
    }),
    call: (ports) => ports.ssm.getParameter({ Name: AL2023_X86_PARAMETER }),
    expect: ({ value }) =>
      expect(value).toMatchObject({
        Parameter: {
          Name: AL2023_X86_PARAMETER,
          Type: 'String',
          Value: expect.stringMatching(/^ami-0[0-9a-f]{16}$/) as unknown,
          DataType: 'aws:ec2:image',
        },
      }),
  },
  {
    name: 'a missing parameter is ParameterNotFound',
    response: recorded.jsonError(400, 'ParameterNotFound'),
    call: (ports) => ports.ssm.getParameter({ Name: '/aws/service/does-not-exist' }),
    expect: (outcome) => expectError(outcome, 'ParameterNotFound', 400, 'AWS_NOT_FOUND'),
  },
  {
    name: 'a duplicate role is EntityAlreadyExists (409)',
    arrange: freshRole,
    response: recorded.queryError(409, 'EntityAlreadyExists', 'Role with name cosigner-prod already exists.'),
    call: (ports) => ports.iam.createRole({ RoleName: 'cosigner-prod', AssumeRolePolicyDocument: EC2_TRUST }),
    expect: (outcome) => {
      const error = expectError(outcome, 'EntityAlreadyExists', 409, 'AWS_CONFLICT');
      expect(error['name']).toBe('EntityAlreadyExistsException');
      expect(error['Code']).toBe('EntityAlreadyExists');
    },
  },
  {
    name: 'a missing role is NoSuchEntity (404)',
    response: recorded.queryError(404, 'NoSuchEntity', 'The role with name ghost cannot be found.'),
    call: (ports) => ports.iam.getRole({ RoleName: 'ghost' }),
    expect: (outcome) => expectError(outcome, 'NoSuchEntity', 404, 'AWS_NOT_FOUND'),
  },
  {
    name: 'IAM returns policy documents URL-encoded',
    arrange: freshRole,
    response: recorded.query(
      'GetRole',
      IAM_NS,
      `<Role><Path>/</Path><AssumeRolePolicyDocument>${encodeURIComponent(EC2_TRUST)}</AssumeRolePolicyDocument><RoleId>AROAEXAMPLEROLEID0001</RoleId><RoleName>cosigner-prod</RoleName><Arn>arn:aws:iam::111122223333:role/cosigner-prod</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><MaxSessionDuration>3600</MaxSessionDuration></Role>`,
    ),
    call: (ports) => ports.iam.getRole({ RoleName: 'cosigner-prod' }),
    expect: ({ value }) => {
      const document = (value as { Role: { AssumeRolePolicyDocument: string } }).Role.AssumeRolePolicyDocument;
      expect(document.startsWith('%7B')).toBe(true);
      expect(JSON.parse(decodeURIComponent(document))).toEqual(JSON.parse(EC2_TRUST));
    },
  },
  {
    name: 'a key policy naming a role KMS cannot see yet is a propagation error',
    arrange: freshRole,
    response: recorded.jsonError(
      400,
      'MalformedPolicyDocumentException',
      'Policy contains a statement with one or more invalid principals.',
    ),
    call: (ports) =>
      ports.kms.createKey({
        Policy: JSON.stringify(
          buildKeyPolicy({
            accountId: '111122223333',
            roleArn: 'arn:aws:iam::111122223333:role/cosigner-prod',
            pcr8: [PCR8],
          }),
        ),
      }),
    expect: (outcome) => {
      expectError(outcome, 'MalformedPolicyDocumentException', 400, 'AWS_INVALID_REQUEST');
      expect(isIamPropagationError(outcome.error)).toBe(true);
    },
  },
  {
    name: 'an instance profile EC2 cannot see yet is a propagation error',
    arrange: async (ports) => {
      await freshRole(ports);
      await ports.iam.createInstanceProfile({ InstanceProfileName: 'cosigner-prod' });
      await ports.iam.addRoleToInstanceProfile({ InstanceProfileName: 'cosigner-prod', RoleName: 'cosigner-prod' });
    },
    response: recorded.ec2Error(
      400,
      'InvalidParameterValue',
      'Value (cosigner-prod) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    ),
    call: async (ports) => {
      const imageId = (await ports.ssm.getParameter({ Name: AL2023_X86_PARAMETER })).Parameter!.Value!;
      return ports.ec2.runInstances({
        ImageId: imageId,
        InstanceType: 'c5.xlarge',
        MinCount: 1,
        MaxCount: 1,
        EnclaveOptions: { Enabled: true },
        IamInstanceProfile: { Name: 'cosigner-prod' },
      });
    },
    expect: (outcome) => {
      expectError(outcome, 'InvalidParameterValue', 400, 'AWS_INVALID_REQUEST');
      expect(isIamPropagationError(outcome.error)).toBe(true);
    },
  },
  {
    name: 'instance types report their Nitro Enclaves support',
    response: recorded.ec2(
      'DescribeInstanceTypes',
      '<instanceTypeSet><item><instanceType>c5.xlarge</instanceType><nitroEnclavesSupport>supported</nitroEnclavesSupport></item><item><instanceType>t3.xlarge</instanceType><nitroEnclavesSupport>unsupported</nitroEnclavesSupport></item></instanceTypeSet>',
    ),
    call: (ports) => ports.ec2.describeInstanceTypes({ InstanceTypes: ['c5.xlarge', 't3.xlarge'] }),
    expect: ({ value }) => {
      const types = (value as { InstanceTypes: { InstanceType: string; NitroEnclavesSupport: string }[] })
        .InstanceTypes;
      expect(Object.fromEntries(types.map((type) => [type.InstanceType, type.NitroEnclavesSupport]))).toEqual({
        'c5.xlarge': 'supported',
        't3.xlarge': 'unsupported',
      });
    },
  },
  {
    name: 'a VPC created with an Amazon-provided IPv6 block reports it',
    arrange: async (ports) => {
      await ports.ec2.createVpc({
        CidrBlock: '10.2.0.0/16',
        AmazonProvidedIpv6CidrBlock: true,
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'dual' }] }],
      });
    },
    response: recorded.ec2(
      'DescribeVpcs',
      '<vpcSet><item><vpcId>vpc-0a1b2c3d4e5f67890</vpcId><state>available</state><cidrBlock>10.2.0.0/16</cidrBlock><ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>2600:1f18:1234:5600::/56</ipv6CidrBlock><associationId>vpc-cidr-assoc-0a1b2c3d4e5f67890</associationId><ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState><ipv6Pool>Amazon</ipv6Pool><networkBorderGroup>us-east-1</networkBorderGroup></item></ipv6CidrBlockAssociationSet><isDefault>false</isDefault><tagSet><item><key>Name</key><value>dual</value></item></tagSet></item></vpcSet>',
    ),
    call: (ports) => ports.ec2.describeVpcs({ Filters: [{ Name: 'tag:Name', Values: ['dual'] }] }),
    expect: ({ value }) => {
      const vpc = (
        value as {
          Vpcs: {
            IsDefault: boolean;
            Ipv6CidrBlockAssociationSet: { Ipv6CidrBlock: string; Ipv6CidrBlockState: { State: string } }[];
          }[];
        }
      ).Vpcs[0]!;
      expect(vpc.IsDefault).toBe(false);
      expect(vpc.Ipv6CidrBlockAssociationSet[0]).toMatchObject({
        Ipv6CidrBlock: expect.stringMatching(/^[0-9a-f:]+::\/56$/) as unknown,
        Ipv6CidrBlockState: { State: 'associated' },
      });
    },
  },
  {
    name: 'deleting a VPC that still has a subnet is DependencyViolation (400)',
    response: recorded.ec2Error(
      400,
      'DependencyViolation',
      "The vpc 'vpc-0a1b2c3d4e5f67890' has dependencies and cannot be deleted.",
    ),
    setup: {
      CreateVpc: recorded.ec2(
        'CreateVpc',
        '<vpc><vpcId>vpc-0a1b2c3d4e5f67890</vpcId><state>pending</state><cidrBlock>10.3.0.0/16</cidrBlock><isDefault>false</isDefault></vpc>',
      ),
      CreateSubnet: recorded.ec2(
        'CreateSubnet',
        '<subnet><subnetId>subnet-0a1b2c3d4e5f67890</subnetId><vpcId>vpc-0a1b2c3d4e5f67890</vpcId><cidrBlock>10.3.0.0/24</cidrBlock><state>available</state></subnet>',
      ),
    },
    call: async (ports) => {
      const vpcId = (await ports.ec2.createVpc({ CidrBlock: '10.3.0.0/16' })).Vpc!.VpcId!;
      await ports.ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.3.0.0/24' });
      return ports.ec2.deleteVpc({ VpcId: vpcId });
    },
    expect: (outcome) => {
      const error = expectError(outcome, 'DependencyViolation', 400, 'AWS_CONFLICT');
      expect(String(error['message'])).toMatch(/has dependencies and cannot be deleted/);
    },
  },
  {
    name: 'a NAT gateway that does not exist is NatGatewayNotFound (400)',
    response: recorded.ec2Error(400, 'NatGatewayNotFound', 'NAT gateway nat-0a1b2c3d4e5f67890 was not found'),
    call: (ports) => ports.ec2.describeNatGateways({ NatGatewayIds: ['nat-0a1b2c3d4e5f67890'] }),
    expect: (outcome) => expectError(outcome, 'NatGatewayNotFound', 400, 'AWS_NOT_FOUND'),
  },
  {
    name: 'deleting an unknown VPC endpoint is reported in Unsuccessful, not thrown',
    response: recorded.ec2(
      'DeleteVpcEndpoints',
      "<unsuccessful><item><error><code>InvalidVpcEndpoint.NotFound</code><message>The Vpc Endpoint Id 'vpce-0a1b2c3d4e5f67890' does not exist</message></error><resourceId>vpce-0a1b2c3d4e5f67890</resourceId></item></unsuccessful>",
    ),
    call: (ports) => ports.ec2.deleteVpcEndpoints({ VpcEndpointIds: ['vpce-0a1b2c3d4e5f67890'] }),
    expect: ({ value, error }) => {
      expect(error).toBeUndefined();
      expect((value as { Unsuccessful: { ResourceId: string; Error: { Code: string } }[] }).Unsuccessful).toEqual([
        expect.objectContaining({
          ResourceId: 'vpce-0a1b2c3d4e5f67890',
          Error: expect.objectContaining({ Code: 'InvalidVpcEndpoint.NotFound' }) as unknown,
        }),
      ]);
    },
  },
  {
    name: 'a missing bucket answers HEAD with a bare 404 (NotFound)',
    response: { status: 404 },
    call: (ports) => ports.s3.headBucket({ Bucket: 'cosigner-nobody-has-this' }),
    expect: (outcome) => expectError(outcome, 'NotFound', 404, 'AWS_NOT_FOUND'),
  },
  {
    name: "another account's bucket answers HEAD with a bare 403",
    response: { status: 403 },
    call: (ports) => ports.s3.headBucket({ Bucket: 'taken-bucket-name' }),
    expect: (outcome) => {
      expect(awsErrorStatus(outcome.error)).toBe(403);
      expect(classifyAwsError(outcome.error).code).toBe('AWS_ACCESS_DENIED');
    },
  },
  {
    name: 'a globally taken bucket name is BucketAlreadyExists (409)',
    response: recorded.s3Error(409, 'BucketAlreadyExists', 'The requested bucket name is not available.'),
    call: (ports) => ports.s3.createBucket({ Bucket: 'taken-bucket-name' }),
    expect: (outcome) => expectError(outcome, 'BucketAlreadyExists', 409, 'BUCKET_NAME_TAKEN'),
  },
  {
    name: 'a bucket without a policy is NoSuchBucketPolicy (404)',
    arrange: async (ports) => {
      await ports.s3.createBucket({ Bucket: 'cosigner-contract' });
    },
    response: recorded.s3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist'),
    call: (ports) => ports.s3.getBucketPolicy({ Bucket: 'cosigner-contract' }),
    expect: (outcome) => expectError(outcome, 'NoSuchBucketPolicy', 404, 'AWS_NOT_FOUND'),
  },
  {
    name: 'a key the caller may not administer is AccessDeniedException (400)',
    arrange: async (ports) => {
      await ports.kms.createKey({
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::111122223333:user/sandbox-admin' },
              Action: ['kms:PutKeyPolicy', 'kms:CreateAlias'],
              Resource: '*',
            },
          ],
        }),
      });
      const { Keys } = await ports.kms.listKeys({});
      await ports.kms.createAlias({ AliasName: 'alias/contract', TargetKeyId: Keys![0]!.KeyId! });
    },
    response: recorded.jsonError(
      400,
      'AccessDeniedException',
      'User: arn:aws:iam::111122223333:user/sandbox-admin is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:DescribeKey action',
    ),
    call: (ports) => ports.kms.describeKey({ KeyId: 'alias/contract' }),
    expect: (outcome) => {
      const error = expectError(outcome, 'AccessDeniedException', 400, 'AWS_ACCESS_DENIED');
      expect(String(error['message'])).toMatch(
        /is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-east-1:111122223333:key\//,
      );
    },
  },
  {
    name: "ListGrants lists a key's grants: 64-hex ids, grantee, operations, issuing account",
    arrange: async (ports) => {
      const { KeyMetadata } = await ports.kms.createKey({});
      await (ports as SandboxPorts).kms.createGrant({
        KeyId: KeyMetadata!.KeyId!,
        GranteePrincipal: ADMIN,
        Operations: ['Decrypt', 'GenerateDataKey'],
      });
    },
    response: recorded.json({
      Grants: [
        {
          KeyId: `arn:aws:kms:us-east-1:111122223333:key/${EXAMPLE_KEY}`,
          GrantId: '0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60',
          Name: '',
          CreationDate: 1772366400,
          GranteePrincipal: ADMIN,
          IssuingAccount: 'arn:aws:iam::111122223333:root',
          Operations: ['Decrypt', 'GenerateDataKey'],
        },
      ],
      Truncated: false,
    }),
    call: async (ports) => ports.kms.listGrants({ KeyId: await onlyKeyId(ports) }),
    expect: ({ value }) => {
      const { Grants, Truncated } = value as { Grants: Record<string, unknown>[]; Truncated: boolean };
      expect(Truncated).toBe(false);
      expect(Grants).toHaveLength(1);
      expect(Grants[0]).toMatchObject({
        KeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:111122223333:key\//) as unknown,
        GrantId: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
        GranteePrincipal: ADMIN,
        IssuingAccount: 'arn:aws:iam::111122223333:root',
        Operations: ['Decrypt', 'GenerateDataKey'],
        CreationDate: expect.any(Date) as unknown,
      });
      expect(toKeyGrant(Grants[0]!)).toEqual({
        GrantId: Grants[0]!['GrantId'],
        GranteePrincipal: ADMIN,
        Operations: ['Decrypt', 'GenerateDataKey'],
      });
    },
  },
  {
    name: 'a key whose policy does not allow ListGrants: AccessDeniedException (400), read as grants not listed',
    arrange: async (ports) => {
      await ports.kms.createKey({
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::111122223333:root' },
              Action: ['kms:DescribeKey', 'kms:PutKeyPolicy'],
              Resource: '*',
            },
          ],
        }),
      });
    },
    response: recorded.jsonError(
      400,
      'AccessDeniedException',
      `User: ${ADMIN} is not authorized to perform: kms:ListGrants on resource: arn:aws:kms:us-east-1:111122223333:key/${EXAMPLE_KEY} because no resource-based policy allows the kms:ListGrants action`,
    ),
    call: async (ports) => {
      const keyId = await onlyKeyId(ports);
      const error = await ports.kms.listGrants({ KeyId: keyId }).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error, grants: await readKeyGrants(ports.kms, keyId) };
    },
    expect: ({ value }) => {
      const { error, grants } = value as { error: unknown; grants: unknown };
      expectError({ error }, 'AccessDeniedException', 400, 'AWS_ACCESS_DENIED');
      expect(grants).toEqual({ listed: false, reason: expect.stringContaining('kms:ListGrants') as unknown });
    },
  },
];

/** The id of the one key the case arranged (the real path has no key to list: the example id). */
async function onlyKeyId(ports: AwsPorts): Promise<string> {
  const keys = await ports.kms.listKeys({}).then(
    (r) => r.Keys ?? [],
    () => [],
  );
  return keys[0]?.KeyId ?? EXAMPLE_KEY;
}

async function settle(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

describe('port contract: sandbox', () => {
  it.each(contracts)('$name', async (contract) => {
    // A propagation delay longer than the test, so fresh roles and profiles stay invisible.
    const sandbox = await createSandboxPorts({
      dir: tempDir(),
      region: 'us-east-1',
      env: {},
      knobs: { ...FAST, iamPropagationDelayMs: 60_000 },
    });
    await contract.arrange?.(sandbox);
    contract.expect(await settle(contract.call(sandbox)));
  });
});

describe('port contract: real SDK clients against recorded AWS responses', () => {
  let server: FakeAwsServer;
  let current: FakeResponse | undefined;
  let setup: Record<string, FakeResponse> = {};
  const saved = { ...process.env };

  beforeAll(async () => {
    server = await startFakeAwsServer();
    server.on((request) => {
      // Arrange-free: setup calls made by a case's `call` (the AMI lookup) get the parameter.
      if (request.action === 'GetParameter' && current?.body?.includes('InvalidParameterValue') === true) {
        return recorded.json({
          Parameter: { Name: AL2023_X86_PARAMETER, Type: 'String', Value: 'ami-0a1b2c3d4e5f67890', Version: 1 },
        });
      }
      return setup[request.action] ?? current;
    });
    const home = tempDir('cosigner-aws-home-');
    writeFileSync(join(home, 'empty'), '');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_CONFIG_FILE: join(home, 'empty'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'empty'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    await server.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  afterEach(() => {
    current = undefined;
    setup = {};
  });

  it.each(contracts)('$name', async (contract) => {
    current = contract.response;
    setup = contract.setup ?? {};
    const ports = await createAwsPorts({ region: 'us-east-1', env: process.env, maxAttempts: 1 });
    try {
      contract.expect(await settle(contract.call(ports)));
    } finally {
      ports.destroy();
    }
  });
});
