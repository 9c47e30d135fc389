// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'dev/.next/**',
      'dev/.data/**',
      'dev/next-env.d.ts',
      'dev/payload-types.ts',
      'dev/app/(payload)/**',
      'dev/migrations/**',
      'test/screenshots/**',
      'src/tracker/*.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'dev/start.ts', 'src/cli/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
)
