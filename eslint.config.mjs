// Lint of the library's sources, with type information. The rules that matter most here: no reading
// of private members by bracket (dot-notation), no reading of other packages' internals (`_`-names),
// and no promise left floating (an unhandled rejection is a crash in Node).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-results/', 'playwright-report/'] },
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/dot-notation': ['error', { allowPrivateClassPropertyAccess: false, allowProtectedClassPropertyAccess: false }],
      'no-restricted-syntax': [
        'error',
        { selector: 'MemberExpression[property.name=/^_/]', message: "Another package's internals: use its public API." },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
