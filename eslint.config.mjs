import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import architecture from './eslint/module-boundaries.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'sdk/dist/', 'node_modules/', 'src/generated/', 'sdk/generated/', 'coverage/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { architecture },
    rules: { 'architecture/module-boundaries': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
