// Every recorded nitro-cli output in test/fixtures/testdata/nitro-cli parses (or, for AWS's
// documentation placeholders, is rejected on its PCR format); hostile variants are coded errors.
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseBuildEnclaveOutput,
  parseDescribeEifOutput,
  parseDescribeEnclavesOutput,
  parsePcrOutput,
  parseRunEnclaveOutput,
  parseTerminateEnclaveOutput,
} from '../../src/enclave/nitro-cli-output.js';
import { TESTDATA, testdataJson, testdataText } from './fixtures/testdata.js';

const PCR = 'ab'.repeat(48);
const V4 = '77c577e8d22c243f9852a077e12dd533812b5789c4224c23d74f7a7d276d0e3bf6aa778bebe29bf76650b8f46bd355d3';

/** Which parser reads each recorded file, and whether it is valid as recorded. */
const FILES: Record<string, [(input: unknown) => unknown, 'ok' | 'placeholder-pcrs' | 'not-nitro-output']> = {
  'aws-doc-build-enclave.example.json': [parseBuildEnclaveOutput, 'placeholder-pcrs'],
  'aws-doc-describe-enclaves.example.json': [parseDescribeEnclavesOutput, 'ok'],
  'aws-doc-pcr-signing-certificate.example.json': [parsePcrOutput, 'placeholder-pcrs'],
  'build-enclave.signed.json': [parseBuildEnclaveOutput, 'ok'],
  'build-enclave.unsigned.json': [parseBuildEnclaveOutput, 'ok'],
  'describe-eif.signed.json': [parseDescribeEifOutput, 'ok'],
  'describe-eif.unsigned.json': [parseDescribeEifOutput, 'ok'],
  'describe-enclaves.debug-with-metadata.json': [parseDescribeEnclavesOutput, 'ok'],
  'describe-enclaves.empty.json': [parseDescribeEnclavesOutput, 'ok'],
  'describe-enclaves.json': [parseDescribeEnclavesOutput, 'ok'],
  'nitro-cli-tests-published-pcrs.json': [parseBuildEnclaveOutput, 'not-nitro-output'],
  'pcr-signing-certificate.json': [parsePcrOutput, 'ok'],
  'run-enclave.json': [parseRunEnclaveOutput, 'ok'],
  'terminate-enclave.json': [parseTerminateEnclaveOutput, 'ok'],
};

describe('nitro-cli outputs', () => {
  it('has a parser for every recorded file', () => {
    expect(readdirSync(resolve(TESTDATA, 'nitro-cli')).sort()).toEqual(Object.keys(FILES).sort());
  });

  describe.each(Object.entries(FILES))('%s', (file, [parse, status]) => {
    it(status === 'ok' ? 'parses' : `is rejected with NITRO_CLI_OUTPUT_INVALID (${status})`, () => {
      const text = testdataText(`nitro-cli/${file}`);
      if (status === 'ok') {
        expect(parse(text)).toEqual(JSON.parse(text));
      } else {
        expect(() => parse(text)).toThrowCosignerError('NITRO_CLI_OUTPUT_INVALID');
      }
    });
  });

  it('the published nitro-cli test PCRs are well-formed measurements', () => {
    const published = testdataJson<{ variants: Record<string, string>[] }>(
      'nitro-cli/nitro-cli-tests-published-pcrs.json',
    );
    for (const { arch: _, ...pcrs } of published.variants)
      expect(parseBuildEnclaveOutput({ Measurements: pcrs }).Measurements.PCR0).toHaveLength(96);
  });

  it('reads the JSON document after progress lines merged into stdout', () => {
    const text = `Start building the Enclave Image...\nEnclave Image successfully created.\n${testdataText('nitro-cli/build-enclave.signed.json')}`;
    expect(parseBuildEnclaveOutput(text).Measurements.PCR8).toBe(
      '87cbdc1714ca854c6dae284a0cc426471aae7aca035df20c719a877ffa80c19d14afc44c7dbd9a87e6393efa9f0c22c6',
    );
  });

  it('lower-cases PCRs and tolerates unknown fields', () => {
    const parsed = parseBuildEnclaveOutput({
      Measurements: { PCR0: PCR.toUpperCase(), PCR1: PCR, PCR2: PCR, PCR16: 'x' },
      Future: true,
    });
    expect(parsed.Measurements.PCR0).toBe(PCR);
    expect(parsed).toMatchObject({ Future: true, Measurements: { PCR16: 'x' } });
  });

  describe('when the output is not what nitro-cli prints', () => {
    const cases: [string, () => unknown][] = [
      ['empty stdout', () => parseBuildEnclaveOutput('')],
      ['text without JSON', () => parseBuildEnclaveOutput('Error: [ E48 ] EIF building error')],
      ['truncated JSON', () => parseBuildEnclaveOutput('{"Measurements": {')],
      [
        'a PCR of 95 characters',
        () => parseBuildEnclaveOutput({ Measurements: { PCR0: PCR.slice(1), PCR1: PCR, PCR2: PCR } }),
      ],
      ['a missing PCR2', () => parseBuildEnclaveOutput({ Measurements: { PCR0: PCR, PCR1: PCR } })],
      [
        'IsSigned without PCR8',
        () =>
          parseDescribeEifOutput({
            EifVersion: 4,
            Measurements: { PCR0: V4, PCR1: V4, PCR2: V4 },
            IsSigned: true,
            CheckCRC: true,
          }),
      ],
      [
        'PCR8 without IsSigned',
        () =>
          parseDescribeEifOutput({
            EifVersion: 4,
            Measurements: { PCR0: V4, PCR1: V4, PCR2: V4, PCR8: V4 },
            IsSigned: false,
            CheckCRC: true,
          }),
      ],
      [
        'a negative CID',
        () =>
          parseRunEnclaveOutput({
            EnclaveID: 'i-0123-enc0123',
            ProcessID: 1,
            EnclaveCID: -1,
            NumberOfCPUs: 2,
            CPUIDs: [1],
            MemoryMiB: 1,
          }),
      ],
      ['a malformed enclave id', () => parseTerminateEnclaveOutput({ EnclaveID: 'enclave-1', Terminated: true })],
      [
        'an unknown state',
        () =>
          parseDescribeEnclavesOutput([
            { ...(testdataJson<unknown[]>('nitro-cli/describe-enclaves.json')[0] as object), State: 'PAUSED' },
          ]),
      ],
      [
        'the prose flag value Debug',
        () =>
          parseDescribeEnclavesOutput([
            { ...(testdataJson<unknown[]>('nitro-cli/describe-enclaves.json')[0] as object), Flags: 'Debug' },
          ]),
      ],
      ['an object instead of an array', () => parseDescribeEnclavesOutput({})],
      ['a pcr output with neither key', () => parsePcrOutput({ PCR9: PCR })],
    ];
    it.each(cases)('throws NITRO_CLI_OUTPUT_INVALID for %s', (_, run) => {
      expect(run).toThrowCosignerError('NITRO_CLI_OUTPUT_INVALID');
    });

    it('names the offending field', () => {
      expect(() => parseBuildEnclaveOutput({ Measurements: { PCR0: 'x', PCR1: PCR, PCR2: PCR } })).toThrow(
        /Measurements\.PCR0: expected 96 hex characters/,
      );
      expect(() => parseDescribeEnclavesOutput(3)).toThrow(/\(root\)/);
    });
  });

  it('parses the pcr --input form', () => {
    expect(parsePcrOutput({ PCR: PCR })).toEqual({ PCR: PCR });
  });
});
