// Colours for the terminal: a few that read on light and dark backgrounds, and none at all under NO_COLOR.
import { createContext, useContext } from 'react';

type Tone = 'ok' | 'error' | 'notice' | 'muted' | 'strong';

interface Theme {
  color: boolean;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export const colorEnabled = (env: NodeJS.ProcessEnv): boolean => !env.NO_COLOR;

export const ThemeContext = createContext<Theme>({ color: true });

/** Colours for names: distinct on light and dark backgrounds, and none of them the red of errors. */
const NAME_COLORS = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'cyanBright', 'greenBright', 'magentaBright'] as const;

/** The same colour for a username every time and on every screen (a hash of the name picks it), or none under NO_COLOR. */
export function useNameColor(): (name: string) => { color?: string } {
  const { color } = useContext(ThemeContext);
  return (name) => (color ? { color: NAME_COLORS[nameHash(name) % NAME_COLORS.length] } : {});
}

/** FNV-1a over the name's UTF-16 units: small, stable across runs and machines. */
export function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

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
