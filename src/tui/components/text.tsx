// Ink's Text, with every string in it cleaned first (safe-text.ts). The terminal client draws all text
// through this one, so no string from the network reaches the terminal unfiltered (a lint rule keeps
// Ink's own Text out of the other files).
// eslint-disable-next-line no-restricted-imports
import { Text as InkText, type TextProps } from 'ink';
import { Children, type ReactNode } from 'react';
import { cleanText } from '../safe-text.js';

const clean = (children: ReactNode): ReactNode =>
  Children.map(children, (child) => (typeof child === 'string' ? cleanText(child) : typeof child === 'number' ? String(child) : child));

export function Text({ children, ...props }: TextProps) {
  return <InkText {...props}>{clean(children)}</InkText>;
}
