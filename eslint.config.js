import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'artifacts/', '.exp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['dashboard/**/*.ts'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.{ts,js}'], ignores: ['dashboard/**'], languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
);
