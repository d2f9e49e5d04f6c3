// What shows while the first connection is made, or retried when the server cannot be reached.
import type { ReactElement } from 'react';
import { BrandMark } from '../components/icons.js';

export function SplashScreen({ unreachable }: { unreachable: boolean }): ReactElement {
  return (
    <main className="splash" aria-busy={!unreachable}>
      <BrandMark />
      <p role="status">{unreachable ? 'Cannot reach the server. Trying again…' : 'Connecting…'}</p>
    </main>
  );
}
