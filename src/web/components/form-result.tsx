// What a form's submit came to: an alert when it did not work, a status when it did.
import type { ReactElement } from 'react';
import { AlertIcon } from './icons.js';

interface FormResultProps {
  id?: string;
  ok?: boolean;
  text: string;
}

export function FormResult({ id, ok = false, text }: FormResultProps): ReactElement {
  return (
    <p id={id} className={ok ? 'form-ok' : 'form-error'} role={ok ? 'status' : 'alert'}>
      {!ok && <AlertIcon />}
      <span>{text}</span>
    </p>
  );
}
