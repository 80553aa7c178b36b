// ESLint flat config: type-checked rules for all TypeScript, plus purity fences for the
// modules that must never do I/O (src/enclave, src/policy).
import js from '@eslint/js';
import n from 'eslint-plugin-n';
import tseslint from 'typescript-eslint';

const ioModules = ['fs', 'fs/promises', 'child_process', 'process', 'os', 'net', 'http', 'https', 'readline', 'tty'];
const ioPatterns = ioModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bundle/**', 'coverage/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.js', 'test/helpers/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { n },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'n/prefer-node-protocol': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // The AGPL policy simulator is a test-time oracle only: it must never ship in the CLI.
    files: ['src/**/*.ts', 'bin/**/*.js'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@cloud-copilot/*'], message: 'AGPL: test-only oracle.' }] },
      ],
    },
  },
  {
    // The enclave core is pure: bytes in, measurements and verdicts out.
    files: ['src/enclave/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioPatterns.map((name) => ({ name, message: 'src/enclave is pure: no I/O.' })),
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*', 'ora', 'execa', '@inquirer/*', 'commander', '@cloud-copilot/*'],
              message: 'src/enclave is pure.',
            },
            {
              group: ['**/aws/**', '**/commands/**', '**/io/**', '**/host/**', '**/provision/**', '**/config/**'],
              message: 'src/enclave must not depend on higher layers.',
            },
            {
              // Minting (certificates, attestation documents, signed EIFs, CMS envelopes) serves the
              // simulated account and the tests; the verifier must never reach for it.
              group: ['**/sandbox/**'],
              message:
                'src/enclave verifies, it does not issue: the minting code in src/aws/sandbox/nitro is off limits.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/enclave is pure: no process.' }],
      // A dynamic import() would slip past no-restricted-imports, and a pure core loads nothing lazily.
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: 'ImportExpression', message: 'src/enclave is pure: static imports only.' },
      ],
    },
  },
  {
    // The policy engine is pure: policies are data, proofs are functions.
    files: ['src/policy/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioPatterns.map((name) => ({ name, message: 'src/policy is pure: no I/O.' })),
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*', 'ora', 'execa', '@inquirer/*', 'commander', '@cloud-copilot/*'],
              message: 'src/policy is pure.',
            },
            {
              group: ['**/aws/**', '**/commands/**', '**/io/**', '**/host/**', '**/provision/**', '**/config/**'],
              message: 'src/policy must not depend on higher layers.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/policy is pure: no process.' }],
    },
  },
  {
    // Domain code loads its modules statically: lazy imports belong to the command boundary
    // (src/commands) and to the AWS SDK clients (src/aws), where they keep start-up fast.
    files: ['src/engine/**/*.ts', 'src/provision/**/*.ts', 'src/teardown/**/*.ts', 'src/status/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: 'ImportExpression', message: 'Import statically: lazy imports belong in src/commands.' },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain JavaScript files run on Node; ESLint's own config must be a default export.
    files: ['bin/**/*.js', 'eslint.config.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Tool configs are loaded by their tools through a default export.
    files: ['vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
