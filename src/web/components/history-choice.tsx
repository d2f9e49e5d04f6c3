// Whether people added later see the messages from before they joined: two radio buttons with their meaning.
import { useId, type ReactElement } from 'react';
import type { GroupHistory } from '../lib/groups.js';

interface HistoryChoiceProps {
  value: GroupHistory;
  onChange(history: GroupHistory): void;
  disabled?: boolean;
}

const CHOICES: readonly { value: GroupHistory; label: string }[] = [
  { value: 'hidden', label: 'Only messages from when they join' },
  { value: 'shared', label: 'The whole history' },
];

export function HistoryChoice({ value, onChange, disabled = false }: HistoryChoiceProps): ReactElement {
  const name = useId();
  return (
    <fieldset className="history-choice" disabled={disabled}>
      <legend className="field-label">People added later see</legend>
      {CHOICES.map((choice) => (
        <label key={choice.value} className="check">
          <input type="radio" name={name} value={choice.value} checked={value === choice.value} onChange={() => onChange(choice.value)} />
          {choice.label}
        </label>
      ))}
    </fieldset>
  );
}
