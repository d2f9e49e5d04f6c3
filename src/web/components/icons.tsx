// Inline SVG icons (no icon font, nothing fetched): each is decorative unless given a label by its button.
import type { ReactElement, SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement>;

function Svg(props: IconProps & { children: React.ReactNode }): ReactElement {
  const { children, className, ...rest } = props;
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      className={className ?? 'icon'}
      {...rest}
    >
      {children}
    </svg>
  );
}

export const SendIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M4 12 20 4l-6 16-3-7-7-1Z" fill="currentColor" stroke="none" />
  </Svg>
);

export const SearchIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-3.5-3.5" />
  </Svg>
);

export const BackIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M15 18 9 12l6-6" />
  </Svg>
);

export const SignOutIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3" />
    <path d="M10 17 5 12l5-5" />
    <path d="M5 12h11" />
  </Svg>
);

export const ArrowDownIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M12 5v14M6 13l6 6 6-6" />
  </Svg>
);

export const CloseIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M18 6 6 18M6 6l12 12" />
  </Svg>
);

export const BellIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M6 8a6 6 0 1 1 12 0c0 7 3 8 3 8H3s3-1 3-8" />
    <path d="M10.3 20a2 2 0 0 0 3.4 0" />
  </Svg>
);

export const ChatIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12Z" />
    <path d="M8.5 12h.01M12 12h.01M15.5 12h.01" strokeWidth={2.6} />
  </Svg>
);

export const AlertIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 8v4.5M12 16h.01" />
  </Svg>
);

/** Sending: a clock face. */
export const ClockMark = (p: IconProps): ReactElement => (
  <Svg {...p} viewBox="0 0 16 16" strokeWidth={1.5}>
    <circle cx="8" cy="8" r="5.5" />
    <path d="M8 5v3l2 1.2" />
  </Svg>
);

/** Sent: one tick. */
export const TickMark = (p: IconProps): ReactElement => (
  <Svg {...p} viewBox="0 0 16 16" strokeWidth={1.7}>
    <path d="m3 8.5 3 3 7-7" />
  </Svg>
);

/** Seen: two ticks. */
export const DoubleTickMark = (p: IconProps): ReactElement => (
  <Svg {...p} viewBox="0 0 16 16" strokeWidth={1.6}>
    <path d="m1 8.5 3 3 7-7" />
    <path d="m8 11.2.3.3 7-7" />
  </Svg>
);

/** The Parley mark: two overlapping speech bubbles. */
export const BrandMark = (p: IconProps): ReactElement => (
  <svg viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="brand-mark" {...p}>
    <rect width="32" height="32" rx="9" fill="var(--accent-fill)" />
    <path d="M8 10.5A3.5 3.5 0 0 1 11.5 7h7A3.5 3.5 0 0 1 22 10.5v4a3.5 3.5 0 0 1-3.5 3.5H13l-3.6 2.8c-.5.4-1.4 0-1.4-.7Z" fill="#fff" />
    <path d="M24 13.5v4.8a3.4 3.4 0 0 1-1.2 2.6v2.3c0 .6-.7 1-1.2.6L18.7 21H14" fill="none" stroke="#fff" strokeOpacity=".75" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
  </svg>
);

export const DevicesIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <rect x="2" y="4" width="14" height="10" rx="1.5" />
    <path d="M6 18h6M9 14v4" />
    <rect x="17" y="8" width="5" height="11" rx="1" />
  </Svg>
);

/** Muted: a bell with a stroke through it. */
export const BellOffIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M6 8a6 6 0 0 1 9.3-5M18 8c0 7 3 8 3 8H9" />
    <path d="M10.3 20a2 2 0 0 0 3.4 0" />
    <path d="m3 3 18 18" />
  </Svg>
);

export const PeopleIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0" />
    <path d="M16 4.6a3.5 3.5 0 0 1 0 6.8M18 14.2a6.5 6.5 0 0 1 3.5 5.8" />
  </Svg>
);

export const PlusIcon = (p: IconProps): ReactElement => (
  <Svg {...p}>
    <path d="M12 5v14M5 12h14" />
  </Svg>
);
