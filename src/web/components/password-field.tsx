// One labelled password input, as every password form in the app draws it.
import { useId, type ReactElement, type Ref } from 'react';
import { PASSWORD_MAX_LENGTH } from '../lib/password-rule.js';

interface PasswordFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** 'current-password' to sign in or confirm, 'new-password' when choosing one (password managers read it). */
  autoComplete: 'current-password' | 'new-password';
  /** The form field's name, for password managers. */
  name?: string;
  /** A line under the field (the rule for a new password), read out with it. */
  hint?: string;
  invalid?: boolean;
  autoFocus?: boolean;
  ref?: Ref<HTMLInputElement>;
}

export function PasswordField({ id, label, value, onChange, autoComplete, name, hint, invalid = false, autoFocus = false, ref }: PasswordFieldProps): ReactElement {
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        className="input"
        type="password"
        name={name}
        autoComplete={autoComplete}
        maxLength={PASSWORD_MAX_LENGTH}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid}
        aria-describedby={hint === undefined ? undefined : hintId}
        autoFocus={autoFocus}
      />
      {hint !== undefined && (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      )}
    </div>
  );
}
