// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.run/**',
      '*.js',
      'clients/node/dist/**',
      'clients/node/proto/**',
      'clients/node/src/generated/**',
      'console/node_modules/**',
      'console/dist/**',
      // Generated from console/openapi.json at build time.
      'console/src/api/schema.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Benchmarks print their tables to stdout; the console's build and test scripts report too.
    files: ['bench/**/*.ts', 'console/scripts/**', 'console/tests/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['console/scripts/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
