// The input line at the bottom of every screen: plain text with a cursor, or a secret that shows nothing.
import { Box, Text, useInput } from 'ink';
import TextInput from 'ink-text-input';
import { useState } from 'react';

interface Props {
  label?: string;
  secret?: boolean;
  /** While false the line ignores keys (a request is in flight). */
  active?: boolean;
  onSubmit(line: string): void;
  onChange?(line: string): void;
}

export function Prompt({ label = '>', secret = false, active = true, onSubmit, onChange }: Props) {
  return (
    <Box>
      <Text>{label} </Text>
      {secret ? (
        <SecretInput active={active} onSubmit={onSubmit} />
      ) : (
        <PlainInput active={active} onSubmit={onSubmit} onChange={onChange} />
      )}
    </Box>
  );
}

function PlainInput({ active, onSubmit, onChange }: { active: boolean; onSubmit(line: string): void; onChange?(line: string): void }) {
  const [value, setValue] = useState('');
  return (
    <TextInput
      value={value}
      focus={active}
      onChange={(next) => {
        setValue(next);
        onChange?.(next);
      }}
      onSubmit={(line) => {
        setValue('');
        onSubmit(line);
      }}
    />
  );
}

/** Keeps what is typed out of the terminal entirely: not even one star per character. */
function SecretInput({ active, onSubmit }: { active: boolean; onSubmit(line: string): void }) {
  const [value, setValue] = useState('');
  useInput(
    (input, key) => {
      if (key.return) {
        setValue('');
        onSubmit(value);
        return;
      }
      if (key.backspace || key.delete) {
        setValue((v) => [...v].slice(0, -1).join(''));
        return;
      }
      if (key.ctrl || key.meta || key.tab || key.escape || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
      if (input) setValue((v) => v + input.replace(/[\r\n]/g, ''));
    },
    { isActive: active },
  );
  return <Text dimColor>(hidden as you type)</Text>;
}
