// Colours for the terminal: a few that read on light and dark backgrounds, and none at all under NO_COLOR.
import { createContext, useContext } from 'react';

type Tone = 'ok' | 'error' | 'notice' | 'muted' | 'strong' | 'mention';

interface Theme {
  color: boolean;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export const colorEnabled = (env: NodeJS.ProcessEnv): boolean => !env.NO_COLOR;

export const ThemeContext = createContext<Theme>({ color: true });

/**
 * Colours for names, as xterm 256-colour cube indices (each channel one of 0, 95, 135, 175, 215, 255): mid-tones
 * dark enough to read on a white background and light enough on a black one, none of them the red of errors,
 * no two alike in hue. Given as indices, not hex, so a 256-colour terminal shows exactly these (chalk rounds hex
 * to a lighter cube colour); a terminal with 16 colours gets the nearest of its own.
 */
export const NAME_COLORS = [32, 36, 70, 172, 134, 169, 31, 136] as const;

/** The colour of a username: the same every time and on every screen (a hash of the name picks it), none with colour off. */
export const nameColor = (name: string, color: boolean): { color?: string } =>
  color ? { color: `ansi256(${NAME_COLORS[nameHash(name) % NAME_COLORS.length]!})` } : {};

/** `nameColor` with the theme's colour setting (NO_COLOR). */
export function useNameColor(): (name: string) => { color?: string } {
  const { color } = useContext(ThemeContext);
  return (name) => nameColor(name, color);
}

/** FNV-1a over the name's UTF-16 units: small, stable across runs and machines. */
export function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

export function useTone(): (tone: Tone) => { color?: string; dimColor?: boolean; bold?: boolean; inverse?: boolean } {
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
      case 'mention':
        // Inverse video reads on any background, and still marks the mention under NO_COLOR.
        return color ? { color: 'yellow', bold: true, inverse: true } : { bold: true, inverse: true };
    }
  };
}
