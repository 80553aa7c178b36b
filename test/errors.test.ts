import { describe, expect, it } from 'vitest';
import { CosignerError, ERROR_CODES, ExitCode, fail, isCosignerError } from '../src/errors.js';

describe('CosignerError', () => {
  it('maps codes to the exit codes of the design table', () => {
    expect(new CosignerError('INPUT_REQUIRED', 'x').exitCode).toBe(ExitCode.usage);
    expect(new CosignerError('ATTESTATION_PCR_MISMATCH', 'x').exitCode).toBe(ExitCode.verification);
    expect(new CosignerError('AWS_ACCESS_DENIED', 'x').exitCode).toBe(ExitCode.aws);
    expect(new CosignerError('POLICY_LOCKOUT', 'x').exitCode).toBe(ExitCode.refused);
    expect(new CosignerError('ABORTED', 'x').exitCode).toBe(ExitCode.aborted);
    expect(new CosignerError('INTERNAL', 'x').exitCode).toBe(ExitCode.internal);
  });

  it('serialises code, message and hint but never the cause', () => {
    const error = new CosignerError('CONFIG_INVALID', 'bad name', {
      hint: 'use a-z',
      cause: new Error('secret detail'),
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'CONFIG_INVALID', message: 'bad name', hint: 'use a-z' });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.source).toBe('user');
    expect(new CosignerError('INTERNAL', 'x').source).toBe('internal');
  });

  it('uses only exit codes from the design table', () => {
    const allowed = new Set<number>(Object.values(ExitCode));
    for (const [code, exit] of Object.entries(ERROR_CODES)) expect(allowed.has(exit), code).toBe(true);
  });

  it('narrows with isCosignerError and throws with fail', () => {
    expect(() => fail('USAGE', 'nope', 'do this')).toThrowCosignerError('USAGE');
    expect(isCosignerError(new CosignerError('USAGE', 'x'), 'USAGE')).toBe(true);
    expect(isCosignerError(new CosignerError('USAGE', 'x'), 'INTERNAL')).toBe(false);
    expect(isCosignerError(new Error('x'))).toBe(false);
  });

  it('the matcher rejects the wrong code and a non-throwing function', async () => {
    expect(() => fail('USAGE', 'x')).not.toThrowCosignerError('INTERNAL');
    expect(() => 1).not.toThrowCosignerError('USAGE');
    await expect(Promise.reject(new CosignerError('AWS_THROTTLED', 'x'))).toThrowCosignerError('AWS_THROTTLED');
  });
});
