// Colours for the terminal: a few that read on light and dark backgrounds, and none at all under NO_COLOR.
import { createContext, useContext } from 'react';

export type Tone = 'ok' | 'error' | 'notice' | 'muted' | 'strong';

export interface Theme {
  color: boolean;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export const colorEnabled = (env: NodeJS.ProcessEnv): boolean => !env.NO_COLOR;

export const ThemeContext = createContext<Theme>({ color: true });

export function useTone(): (tone: Tone) => { color?: string; dimColor?: boolean; bold?: boolean } {
  const { color } = useContext(ThemeContext);
  return (tone) => {
    switch (tone) {
      case 'ok':
        return color ? { color: 'green' } : {};
      case 'error':
        return color ? { color: 'red', bold: true } : { bold: true };
      case 'notice':
        return color ? { color: 'magenta' } : {};
      case 'muted':
        return { dimColor: true };
      case 'strong':
        return { bold: true };
    }
  };
}
