// The types of file-names.js, for the test that shows its rule refusing a name.
import type { ESLint } from 'eslint';

declare const plugin: ESLint.Plugin;
export default plugin;
