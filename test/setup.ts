// Global test setup: the `toThrowCosignerError(code)` matcher, a clean environment, and one fixed
// seed for every property test.
import fc from 'fast-check';
import { expect } from 'vitest';
import { CosignerError, type CosignerErrorCode } from '../src/errors.js';

interface CosignerMatchers<R = unknown> {
  /** Asserts that a function (or a promise) throws/rejects with a CosignerError of this code. */
  toThrowCosignerError(code: CosignerErrorCode): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CosignerMatchers<T> {}
}

function describeThrown(value: unknown): string {
  if (value instanceof CosignerError) return `CosignerError ${value.code}: ${value.message}`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}

function check(thrown: unknown, didThrow: boolean, code: CosignerErrorCode) {
  if (!didThrow)
    return { pass: false, message: () => `expected to throw CosignerError ${code}, but nothing was thrown` };
  const pass = thrown instanceof CosignerError && thrown.code === code;
  return {
    pass,
    message: () =>
      pass
        ? `expected not to throw CosignerError ${code}`
        : `expected CosignerError ${code}, got ${describeThrown(thrown)}`,
  };
}

expect.extend({
  toThrowCosignerError(received: unknown, code: CosignerErrorCode) {
    if (received instanceof Promise) {
      return received.then(
        () => check(undefined, false, code),
        (error: unknown) => check(error, true, code),
      );
    }
    if (typeof received !== 'function') {
      return { pass: false, message: () => 'toThrowCosignerError expects a function or a promise' };
    }
    try {
      const result: unknown = (received as () => unknown)();
      if (result instanceof Promise) {
        return result.then(
          () => check(undefined, false, code),
          (error: unknown) => check(error, true, code),
        );
      }
      return check(undefined, false, code);
    } catch (error) {
      return check(error, true, code);
    }
  },
});

// Tests must never pick up a developer's real AWS or sandbox settings.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('COSIGNER_') || name.startsWith('AWS_')) delete process.env[name];
}
// Nor reach anything outside this machine: no instance metadata service, no ~/.aws files.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_CONFIG_FILE = '/nonexistent/cosigner-cli-tests/config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/cosigner-cli-tests/credentials';
// The AWS SDK warns once per process that Node < 22 loses its support in 2027. The CLI reports
// that through `doctor` (src/main.ts); the test workers load the SDK without main(), and each one
// repeating the warning is noise. This is the SDK's own switch, for the tests (and the processes
// they spawn) only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Property tests are reproducible: every fc.assert without a seed of its own uses this one, the
// same in every run. FC_SEED=<integer> explores another part of the space; a failure prints the
// seed and path that replay it (fast-check's report: `{ seed: …, path: "…" }`).
const FC_SEED_TEXT = process.env.FC_SEED ?? '20261203';
const FC_SEED = Number(FC_SEED_TEXT);
if (!Number.isSafeInteger(FC_SEED)) throw new Error(`FC_SEED must be an integer (got ${FC_SEED_TEXT})`);
fc.configureGlobal({ seed: FC_SEED });
