// The app's mark and name, atop the sign-in card and the sidebar.
import type { ReactElement } from 'react';
import { BrandMark } from './icons.js';

export function Brand(): ReactElement {
  return (
    <div className="brand">
      <BrandMark />
      <span>Parley</span>
    </div>
  );
}
