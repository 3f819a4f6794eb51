// ESLint 9 flat config: typescript-eslint's type-aware recommended rules over the whole project. Formatting is
// Prettier's job (.prettierrc.json); nothing here is about layout. `npm run lint` runs both, `npm run format` fixes.
import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first: a folder may import the folders of the layers below its own and, within its own
 * layer, only those listed for it. That keeps the folder graph free of cycles: common <- config <- infrastructure <-
 * the domain (entitlements) <- the transports and features <- the composition root (src/*.ts: app.module, entities,
 * data-source, main, bootstrap).
 */
const LAYERS = [
  { common: [] },
  { config: [] },
  // infrastructure: each owns one outside system (PostgreSQL, Stripe, metrics) or a cross-cutting store; they use each other not at all
  { database: [], stripe: [], observability: [], users: [], 'rate-limit': [] },
  // the domain: what Stripe's objects mean for our rows
  { entitlements: [] },
  // the transports and features: auth first, then billing and webhooks, then what composes them
  { auth: [] },
  { billing: [], webhooks: [], health: [], usage: [] },
  { recovery: [], 'stripe-check': [] },
  { admin: [] },
  // the console's static files; it imports config only
  { 'admin-console': [] },
];
const ROOT_FILES = ['app.module', 'app.setup', 'bootstrap', 'main', 'entities', 'data-source'];

/** One config block per folder: the folders (same layer not listed, and every layer above) it must not import. */
function layerBoundaries() {
  const layerOf = (name) => LAYERS.findIndex((layer) => name in layer);
  const all = LAYERS.flatMap((layer) => Object.keys(layer));
  return all.map((folder) => {
    const mine = layerOf(folder);
    const allowedPeers = LAYERS[mine][folder];
    const forbidden = all.filter((other) => other !== folder && (layerOf(other) > mine || (layerOf(other) === mine && !allowedPeers.includes(other))));
    const escape = (name) => name.replace(/\./g, '\\.');
    const patterns = [
      { regex: `^(\\.\\./)+(${ROOT_FILES.map(escape).join('|')})\\.js$`, message: 'The composition root imports the modules, never the reverse.' },
      // the local Stripe is started by the composition root's local mode only (src/bootstrap.ts)
      { regex: '^(\\.\\./)+stripe-emulator/', message: 'Only local mode (src/bootstrap.ts) starts the emulator.' },
    ];
    if (forbidden.length) {
      patterns.push({
        regex: `^(\\.\\./)+(${forbidden.map(escape).join('|')})/`,
        message: `src/${folder} is below these folders (see LAYERS in eslint.config.js): move the shared piece down, or invert the dependency.`,
      });
    }
    return { files: [`src/${folder}/**/*.ts`], ignores: ['**/*.spec.ts'], rules: { 'no-restricted-imports': ['error', { patterns }] } };
  });
}

/**
 * The local Stripe (top-level stripe-emulator/) is a development tool of its own: it imports nothing of src/, and in
 * src/ only the composition root's local mode (bootstrap, a dynamic import) reaches it, so the production build can
 * leave it out.
 */
const EMULATOR_BOUNDARIES = [
  {
    files: ['stripe-emulator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+src/', message: 'The emulator stands alone: it imports nothing of src/.' }] }] },
  },
];

export default tseslint.config(
  {
    ignores: ['dist/', '.test-dist/', 'coverage/', '.data/', 'test-output/', 'node_modules/', 'openapi/client/schema.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // the type information of tsconfig.json (src, migrations, test, scripts, bench, main.ts)
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // the two this config exists for: a promise nobody awaits or handles, and a promise where a callback's result is ignored
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `_name` marks a parameter a signature needs but the body does not (Nest hooks, handler interfaces)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests assert on supertest's `res.body` and on `DataSource.query` rows, which are `any` by design (parsed JSON,
    // driver rows): expect() checks those values at run time, so the no-unsafe-* family would only demand casts.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  ...layerBoundaries(),
  ...EMULATOR_BOUNDARIES,
  {
    // Jest's recommended rules for every test file (the e2e and medium tiers and the unit specs beside the code)
    // (test/support holds helpers, not tests: its describe wrappers are what the rules would misread)
    files: ['test/**/*.spec.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      // supertest's `.expect(status)` and the suites' expect… helpers assert too
      'jest/expect-expect': ['warn', { assertFunctionNames: ['expect', 'expect*', 'request.**.expect'] }],
    },
  },
  {
    // plain JavaScript (configs, Jest's global setup, small Node scripts): no TypeScript types to check against
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', globalThis: 'readonly', setTimeout: 'readonly' },
    },
  },
);
