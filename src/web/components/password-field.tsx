// One labelled password input, as every password form in the app draws it.
import type { ReactElement } from 'react';

interface PasswordFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** 'current-password' to sign in or confirm, 'new-password' when choosing one (password managers read it). */
  autoComplete: 'current-password' | 'new-password';
  invalid?: boolean;
  autoFocus?: boolean;
}

export function PasswordField({ id, label, value, onChange, autoComplete, invalid = false, autoFocus = false }: PasswordFieldProps): ReactElement {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        type="password"
        autoComplete={autoComplete}
        maxLength={1024}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid}
        autoFocus={autoFocus}
      />
    </div>
  );
}
