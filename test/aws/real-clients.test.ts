// Wire-level tests of the real ports: aws-sdk-client-mock for "one method, one command", and the
// real SDK over HTTP against a local endpoint (AWS_ENDPOINT_URL) answering with recorded AWS
// responses, so the real path is exercised end to end: signing, endpoint resolution, retries,
// protocol parsing, error shapes.
import * as CloudTrailSDK from '@aws-sdk/client-cloudtrail';
import * as EC2SDK from '@aws-sdk/client-ec2';
import * as IAMSDK from '@aws-sdk/client-iam';
import * as KMSSDK from '@aws-sdk/client-kms';
import * as S3SDK from '@aws-sdk/client-s3';
import * as SSMSDK from '@aws-sdk/client-ssm';
import * as STSSDK from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLOUDTRAIL_OPERATIONS, createCloudTrailPort } from '../../src/aws/cloudtrail.js';
import { createEC2Port, EC2_OPERATIONS } from '../../src/aws/ec2.js';
import { classifyAwsError, isAwsErrorNamed } from '../../src/aws/errors.js';
import { createIAMPort, IAM_OPERATIONS } from '../../src/aws/iam.js';
import { describeCaller, formatCaller } from '../../src/aws/identity.js';
import { createKMSPort, KMS_OPERATIONS } from '../../src/aws/kms.js';
import { createAwsPorts, describeCredentialSource } from '../../src/aws/ports.js';
import { createS3Port, S3_OPERATIONS } from '../../src/aws/s3.js';
import { createSSMPort, SSM_OPERATIONS } from '../../src/aws/ssm.js';
import { createSTSPort, STS_OPERATIONS } from '../../src/aws/sts.js';
import { recorded, startFakeAwsServer, type FakeAwsServer } from '../fakes/aws-http-server.js';
import { tempDir } from './helpers.js';

const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

type AnyPort = Record<string, (input: object) => Promise<unknown>> & { destroy(): void };

const services = [
  {
    name: 'EC2',
    sdk: EC2SDK as unknown as Record<string, unknown>,
    client: EC2SDK.EC2Client,
    ops: EC2_OPERATIONS,
    make: createEC2Port,
  },
  {
    name: 'KMS',
    sdk: KMSSDK as unknown as Record<string, unknown>,
    client: KMSSDK.KMSClient,
    ops: KMS_OPERATIONS,
    make: createKMSPort,
  },
  {
    name: 'S3',
    sdk: S3SDK as unknown as Record<string, unknown>,
    client: S3SDK.S3Client,
    ops: S3_OPERATIONS,
    make: createS3Port,
  },
  {
    name: 'IAM',
    sdk: IAMSDK as unknown as Record<string, unknown>,
    client: IAMSDK.IAMClient,
    ops: IAM_OPERATIONS,
    make: createIAMPort,
  },
  {
    name: 'STS',
    sdk: STSSDK as unknown as Record<string, unknown>,
    client: STSSDK.STSClient,
    ops: STS_OPERATIONS,
    make: createSTSPort,
  },
  {
    name: 'SSM',
    sdk: SSMSDK as unknown as Record<string, unknown>,
    client: SSMSDK.SSMClient,
    ops: SSM_OPERATIONS,
    make: createSSMPort,
  },
  {
    name: 'CloudTrail',
    sdk: CloudTrailSDK as unknown as Record<string, unknown>,
    client: CloudTrailSDK.CloudTrailClient,
    ops: CLOUDTRAIL_OPERATIONS,
    make: createCloudTrailPort,
  },
] as const;

describe.each(services)('the $name port', ({ sdk, client, ops, make }) => {
  it('sends exactly one matching command per method, with the input unchanged', async () => {
    const mock = mockClient(client as never);
    try {
      const port = (make as (config: object) => unknown)({ region: 'eu-west-1', credentials }) as AnyPort;
      for (const op of ops) {
        const Command = sdk[`${op}Command`] as new (input: object) => object;
        expect(Command, `${op}Command exists in the SDK`).toBeTypeOf('function');
        mock.on(Command as never).resolves({ marker: op } as never);
        const input = { Probe: op };
        await expect(port[lowerFirst(op)]!(input)).resolves.toMatchObject({ marker: op });
        const calls = mock.commandCalls(Command as never);
        expect(calls).toHaveLength(1);
        expect(calls[0]?.args[0].input).toEqual(input);
      }
      expect(mock.calls()).toHaveLength(ops.length);
      port.destroy();
    } finally {
      mock.restore();
    }
  });
});

describe('describeCredentialSource', () => {
  it('reads the SDK provider marks and falls back to the environment', () => {
    expect(
      describeCredentialSource({ ...credentials, $source: { CREDENTIALS_PROFILE_SSO: 'r' } } as never, 'dev', {}),
    ).toEqual({ kind: 'sso', profile: 'dev' });
    expect(
      describeCredentialSource({ ...credentials, $source: { CREDENTIALS_IMDS: '0' } } as never, 'dev', {}).kind,
    ).toBe('instance-metadata');
    expect(
      describeCredentialSource({ ...credentials, $source: { CREDENTIALS_PROFILE: 'n' } } as never, 'dev', {}),
    ).toEqual({ kind: 'profile', profile: 'dev' });
    expect(describeCredentialSource(credentials, undefined, { AWS_ACCESS_KEY_ID: 'x' }).kind).toBe('environment');
    expect(describeCredentialSource(credentials, undefined, {}).kind).toBe('unknown');
    const expiration = new Date('2030-01-01T00:00:00Z');
    expect(describeCredentialSource({ ...credentials, expiration }, undefined, {}).expiration).toEqual(expiration);
  });
});

// ------------------------------------------------------------------------------------------------
// The real SDK over HTTP against a local AWS-compatible endpoint.

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

describe('the real ports against an AWS-compatible endpoint (AWS_ENDPOINT_URL)', () => {
  let server: FakeAwsServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = await startFakeAwsServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    const home = tempDir('cosigner-aws-home-');
    writeFileSync(join(home, 'config'), '');
    writeFileSync(join(home, 'credentials'), '');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    server.requests.length = 0;
    server.on((request) =>
      request.action === 'GetCallerIdentity'
        ? recorded.query(
            'GetCallerIdentity',
            STS_NS,
            '<UserId>AIDAEXAMPLEUSERID0001</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/ops</Arn>',
          )
        : undefined,
    );
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('resolves the caller through the endpoint, with the credential source', async () => {
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env });
    const caller = await describeCaller(ports);
    expect(caller).toMatchObject({
      accountId: '123456789012',
      callerArn: 'arn:aws:iam::123456789012:user/ops',
      region: 'eu-west-1',
      sandbox: false,
      credentialSource: { kind: 'environment' },
    });
    expect(formatCaller(caller)).toBe('account 123456789012 · region eu-west-1 · arn:aws:iam::123456789012:user/ops');
    const request = server.requests.find((entry) => entry.action === 'GetCallerIdentity');
    expect(request?.host).toBe(new URL(server.url).host);
    expect(request?.headers['authorization']).toContain('/eu-west-1/sts/aws4_request');
    ports.destroy();
  });

  it('honours a service-specific AWS_ENDPOINT_URL_<SERVICE>', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9'; // nothing listens here
    process.env.AWS_ENDPOINT_URL_SSM = server.url;
    server.on((request) =>
      request.action === 'GetParameter'
        ? recorded.json({
            Parameter: {
              Name: AL2023,
              Type: 'String',
              Value: 'ami-0123456789abcdef0',
              Version: 7,
              DataType: 'aws:ec2:image',
              ARN: `arn:aws:ssm:eu-west-1::parameter${AL2023}`,
            },
          })
        : undefined,
    );
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env, maxAttempts: 1 });
    const output = await ports.ssm.getParameter({ Name: AL2023 });
    expect(output.Parameter?.Value).toBe('ami-0123456789abcdef0');
    expect(server.requests.at(-1)?.headers['x-amz-target']).toBe('AmazonSSM.GetParameter');
    ports.destroy();
  });

  it('uses path-style S3 requests against an overridden endpoint', async () => {
    server.on((request) =>
      request.service === 's3' && request.action === 'HEAD bucket'
        ? { status: 200, headers: { 'x-amz-bucket-region': 'eu-west-1' } }
        : undefined,
    );
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env });
    const output = await ports.s3.headBucket({ Bucket: 'cosigner-prod-123456789012' });
    expect(output.BucketRegion).toBe('eu-west-1');
    const request = server.requests.at(-1)!;
    expect(request.path.startsWith('/cosigner-prod-123456789012')).toBe(true);
    expect(request.host).toBe(new URL(server.url).host);
    ports.destroy();
  });

  it('retries throttling with the SDK retry strategy and reports the attempts', async () => {
    let failures = 2;
    server.on((request) => {
      if (request.action !== 'DescribeKey') return undefined;
      if (failures > 0) {
        failures -= 1;
        return recorded.jsonError(400, 'ThrottlingException', 'Rate exceeded');
      }
      return recorded.json({
        KeyMetadata: {
          KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
          Arn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          KeyState: 'Enabled',
          Enabled: true,
          CreationDate: 1.7e9,
        },
      });
    });
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env, maxAttempts: 4 });
    const output = await ports.kms.describeKey({ KeyId: 'alias/cosigner' });
    expect(output.KeyMetadata?.KeyState).toBe('Enabled');
    expect(output.$metadata.attempts).toBe(3);
    ports.destroy();
  });

  it('gives up after maxAttempts and the failure classifies as AWS_THROTTLED', async () => {
    server.on((request) =>
      request.action === 'ListAliases' ? recorded.jsonError(400, 'ThrottlingException', 'Rate exceeded') : undefined,
    );
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env, maxAttempts: 1 });
    const error = await ports.kms.listAliases({}).catch((e: unknown) => e);
    expect(isAwsErrorNamed(error, 'ThrottlingException')).toBe(true);
    expect(classifyAwsError(error, { service: 'kms', operation: 'ListAliases' }).code).toBe('AWS_THROTTLED');
    ports.destroy();
  });

  it('passes IAM policy documents through URL-encoded, as IAM returns them', async () => {
    const trust =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
    server.on((request) =>
      request.action === 'GetRole'
        ? recorded.query(
            'GetRole',
            IAM_NS,
            `<Role><Path>/</Path><AssumeRolePolicyDocument>${encodeURIComponent(trust)}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration><RoleId>AROAEXAMPLEROLEID0001</RoleId><RoleName>cosigner-prod</RoleName><Arn>arn:aws:iam::123456789012:role/cosigner-prod</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><Tags><member><Key>cosigner-cli:name</Key><Value>prod</Value></member></Tags></Role>`,
          )
        : undefined,
    );
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env });
    const output = await ports.iam.getRole({ RoleName: 'cosigner-prod' });
    expect(decodeURIComponent(output.Role?.AssumeRolePolicyDocument ?? '')).toBe(trust);
    expect(output.Role?.Tags).toEqual([{ Key: 'cosigner-cli:name', Value: 'prod' }]);
    expect(server.requests.at(-1)?.form).toMatchObject({ Action: 'GetRole', RoleName: 'cosigner-prod' });
    ports.destroy();
  });

  it('parses EC2 responses (instance types with their Nitro Enclaves flag)', async () => {
    server.on((request) =>
      request.action === 'DescribeInstanceTypes'
        ? recorded.ec2(
            'DescribeInstanceTypes',
            '<instanceTypeSet><item><instanceType>c5.xlarge</instanceType><nitroEnclavesSupport>supported</nitroEnclavesSupport><vCpuInfo><defaultVCpus>4</defaultVCpus></vCpuInfo></item><item><instanceType>t3.xlarge</instanceType><nitroEnclavesSupport>unsupported</nitroEnclavesSupport></item></instanceTypeSet>',
          )
        : undefined,
    );
    const ports = await createAwsPorts({ region: 'eu-west-1', env: process.env });
    const output = await ports.ec2.describeInstanceTypes({ InstanceTypes: ['c5.xlarge', 't3.xlarge'] });
    expect(output.InstanceTypes?.map((type) => [type.InstanceType, type.NitroEnclavesSupport])).toEqual([
      ['c5.xlarge', 'supported'],
      ['t3.xlarge', 'unsupported'],
    ]);
    ports.destroy();
  });

  it('fails with AWS_REGION_MISSING when no region is configured anywhere', async () => {
    delete process.env.AWS_REGION;
    await expect(createAwsPorts({ env: process.env })).toThrowCosignerError('AWS_REGION_MISSING');
    await expect(createAwsPorts({ region: 'not a region', env: process.env })).toThrowCosignerError(
      'AWS_REGION_MISSING',
    );
  });

  it("reads the profile's region and credentials from the shared config files", async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    writeFileSync(process.env.AWS_CONFIG_FILE!, '[profile ops]\nregion = eu-central-2\n');
    writeFileSync(
      process.env.AWS_SHARED_CREDENTIALS_FILE!,
      `[ops]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
    );
    const ports = await createAwsPorts({ profile: 'ops', env: process.env });
    expect(ports.region).toBe('eu-central-2');
    expect(ports.profile).toBe('ops');
    const caller = await describeCaller(ports);
    expect(caller.credentialSource).toEqual({ kind: 'profile', profile: 'ops' });
    expect(server.requests.at(-1)?.headers['authorization']).toContain('/eu-central-2/sts/aws4_request');
    ports.destroy();
  });

  it('classifies missing credentials with a hint naming the profile', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const ports = await createAwsPorts({ region: 'eu-west-1', profile: 'nobody', env: process.env, maxAttempts: 1 });
    const error = await describeCaller(ports).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AWS_CREDENTIALS_MISSING' });
    expect((error as { hint: string }).hint).toContain('nobody');
    ports.destroy();
  });

  it('rejects a bad attempt count', async () => {
    await expect(createAwsPorts({ region: 'eu-west-1', env: process.env, maxAttempts: 0 })).toThrowCosignerError(
      'INVALID_OPTION',
    );
  });
});
