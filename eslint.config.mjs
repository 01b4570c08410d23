// The lint half of `npm run lint` (Prettier holds the layout, .prettierrc.json): typescript-eslint's
// type-aware recommended rules on every .ts file tsconfig.json type-checks, so a promise nobody awaits
// is caught with its type known (fire-and-forget is written `void promise`, on purpose).
// `npm run fix` applies what the rules can fix themselves (redundant type assertions, type-only imports).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Plain .mjs scripts are formatted, not linted: they have no types to lint with.
  { ignores: ['dist/', '.cache/', 'coverage/', 'fixtures/', 'charts/', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // On in recommendedTypeChecked; named here because they are why this lint exists.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `_` names a value left out on purpose (`for await (const _ of body)`, `{ ca: _, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Type-only imports say so; `typeof import('ssh2')` stays allowed (the lazy loads' types).
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false, fixStyle: 'inline-type-imports' }],
      // The render's Pending and Unknowable are thrown for control flow and caught at its entry, never escape it.
      '@typescript-eslint/only-throw-error': [
        'error',
        { allow: [{ from: 'file', name: ['Pending', 'Unknowable'], path: 'src/manifests/render/types.ts' }] },
      ],

      // Off, each for a reason:
      // `any` is where JSON, YAML and untyped SDK or test-server replies come in, narrowed where used;
      // flagging each use of it (about 580 findings, most in tests) would be a rewrite, not a fix.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // An async function that does not await implements a Promise-returning contract (fakes, adapters).
      '@typescript-eslint/require-await': 'off',
      // No-op callbacks and fakes are empty on purpose.
      '@typescript-eslint/no-empty-function': 'off',
      // Clients are objects of closures, not classes using `this`: handing on `kube.secretValue` is safe.
      '@typescript-eslint/unbound-method': 'off',
      // A caught error or an abort signal's reason is passed on as it came, whatever it is.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Error fields (code, address, port) are `unknown` and printed as they come, after a typeof check or `?? ''`.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Wrapped errors carry the caught one's text in their message; errorMessage (src/errors.ts) walks
      // `cause`, so adding one would print it twice.
      'preserve-caught-error': 'off',
    },
  },
);
