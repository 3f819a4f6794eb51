// Nest 12 packages are ESM only, so Jest runs in its native ESM mode (--experimental-vm-modules).
export default {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/stripe-emulator', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 30000,
  // in CI the tests of each file run in a random order (the seed is printed; `--seed=<n>` repeats it), so a test
  // that leans on the one before it fails there; `npm run test:random` does the same on a laptop
  randomize: process.env.CI === 'true',
  showSeed: process.env.CI === 'true',
};
