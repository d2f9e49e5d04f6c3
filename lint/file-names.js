// Parley's own lint rules: one file-naming style everywhere (kebab-case), so a name never has to be guessed.
import path from 'node:path';

/** Lowercase words joined by hyphens, in dot-separated parts: `message-list.tsx`, `app.test.tsx`, `e2e-text.ts`. */
const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$/;

/** @type {import('eslint').Rule.RuleModule} */
const kebabCaseFileNames = {
  meta: {
    type: 'suggestion',
    docs: { description: 'File names are kebab-case; the components and classes they export keep PascalCase.' },
    messages: { notKebab: 'File name "{{name}}" is not kebab-case (e.g. message-list.tsx for MessageList).' },
    schema: [],
  },
  create(context) {
    const name = path.basename(context.filename);
    return {
      Program(node) {
        if (!KEBAB_CASE.test(name)) context.report({ node, messageId: 'notKebab', data: { name } });
      },
    };
  },
};

export default { rules: { 'kebab-case-file-names': kebabCaseFileNames } };
