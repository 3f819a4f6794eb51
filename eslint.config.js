// ESLint 9 flat config: typescript-eslint's type-aware recommended rules over the whole project. Formatting is
// Prettier's job (.prettierrc.json); nothing here is about layout. `npm run lint` runs both, `npm run format` fixes.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
