import fs from 'node:fs';
import eslint from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The layers (ARCHITECTURE.md): lib/ (constructs) and lambda/ (the runtime) meet only in contract/.
// Within lib/, a feature imports only the features below it, shared helpers and contract/.
const FEATURES_BOTTOM_UP = ['alarms', 'service', 'hooks', 'pipeline', 'observability'];
const HANDLERS = fs.readdirSync('lambda', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared').map((entry) => entry.name);

const layerZones = [
  { target: './lib', from: './lambda', message: 'constructs never import the runtime; share through contract/' },
  { target: './lib', from: ['./bin', './bench', './test'] },
  { target: ['./lib', './lambda'], from: './cli', message: 'constructs and runtime never import the release CLI; share through contract/' },
  { target: './cli', from: ['./lib', './lambda', './bin', './bench', './test'], message: 'the release CLI imports only contract/ and SDK clients' },
  { target: './lambda', from: ['./lib', './bin', './bench', './test'], message: 'the runtime never imports constructs; share through contract/' },
  { target: './contract', from: ['./lib', './lambda', './cli', './bin', './bench', './test'], message: 'contract/ imports nothing' },
  { target: './lib/private', from: FEATURES_BOTTOM_UP.map((f) => `./lib/${f}`), message: 'lib/private/ holds what features share and imports no feature' },
  ...FEATURES_BOTTOM_UP.flatMap((feature, i) => FEATURES_BOTTOM_UP.slice(i + 1).map((higher) => ({
    target: `./lib/${feature}`,
    from: `./lib/${higher}`,
    message: `lib/${feature} sits below lib/${higher} (${FEATURES_BOTTOM_UP.join(' < ')})`,
  }))),
  ...FEATURES_BOTTOM_UP.flatMap((feature) => [...FEATURES_BOTTOM_UP.filter((other) => other !== feature).map((other) => `./lib/${other}`), './lib/private', './lib/index.ts']
    .map((target) => ({ target, from: `./lib/${feature}/private`, message: `lib/${feature}/private is private to lib/${feature}` }))),
  ...HANDLERS.map((handler) => ({
    target: `./lambda/${handler}`,
    from: './lambda',
    except: [`./${handler}`, './shared'],
    message: 'a handler imports only lambda/shared and contract/, never another handler',
  })),
  { target: './lambda/shared', from: './lambda', except: ['./shared'], message: 'the hook runtime imports no handler' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'cdk.out/**', 'assets/**', '**/*.d.ts', 'coverage/**', '.scratch/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'quotes': ['error', 'single', { avoidEscape: true }],
      'semi': ['error', 'always'],
      'indent': ['error', 2, { SwitchCase: 1 }],
      'eqeqeq': ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['lib/**/*.ts', 'lambda/**/*.ts', 'contract/**/*.ts', 'cli/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // No file changes during a run: keep every resolved import for the whole run, not for 30 s,
      // which a run beside jest and tsc outlasts (no-cycle then resolves each import graph again).
      'import-x/cache': { lifetime: Infinity },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'the runtime runs in AWS Lambda and never imports CDK' }] }],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'the release CLI runs on a person\'s machine and never imports CDK' }] }],
    },
  },
  {
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['*', '!./*'], message: 'contract/ imports nothing: it is plain data both sides share' }] }],
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
