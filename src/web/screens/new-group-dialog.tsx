// "New group": a name, the people in it, and whether newcomers see the history; then the group opens.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { ParleyError } from '../../shared/client/index.js';
import { useClient } from '../client-context.js';
import { FormResult } from '../components/form-result.js';
import { CloseIcon } from '../components/icons.js';
import { MemberPicker } from '../components/member-picker.js';
import { HistoryChoice } from '../components/history-choice.js';
import { usePeoplePicker } from '../hooks/use-people-picker.js';
import { GROUP_NAME_RULE_TEXT, groupErrorText, groupNameProblem, type GroupHistory } from '../lib/groups.js';

interface NewGroupDialogProps {
  me: string;
  onCreated(conversationId: number): void;
  onClose(): void;
}

const NOBODY: ReadonlySet<string> = new Set();

export function NewGroupDialog({ me, onCreated, onClose }: NewGroupDialogProps): ReactElement {
  const client = useClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const ids = { title: useId(), name: useId(), nameHint: useId(), result: useId() };
  const [name, setName] = useState('');
  const [members, setMembers] = useState<readonly string[]>([]);
  const [history, setHistory] = useState<GroupHistory>('hidden');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const picker = usePeoplePicker();

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const nameProblem = groupNameProblem(name);
    if (nameProblem !== null) return setProblem(nameProblem);
    if (members.length === 0) return setProblem('Add at least one person.');
    setBusy(true);
    setProblem(null);
    try {
      const conversation = await client.createGroup(name.trim(), [...members], { history });
      onCreated(conversation.id);
      dialog.current?.close();
    } catch (error) {
      setProblem(error instanceof ParleyError ? groupErrorText(error.code, error.message) : groupErrorText(undefined, undefined));
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="account-dialog group-dialog" aria-labelledby={ids.title} onClose={onClose}>
      <div className="account-head">
        <h2 id={ids.title}>New group</h2>
        <button type="button" className="icon-btn" onClick={() => dialog.current?.close()} aria-label="Close" title="Close">
          <CloseIcon />
        </button>
      </div>
      <form onSubmit={(e) => void create(e)} noValidate aria-describedby={problem ? ids.result : undefined}>
        <label htmlFor={ids.name} className="field-label">
          Group name
        </label>
        <input
          id={ids.name}
          className="input"
          autoComplete="off"
          maxLength={200}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setProblem(null);
          }}
          aria-describedby={ids.nameHint}
        />
        <p id={ids.nameHint} className="field-hint">
          {GROUP_NAME_RULE_TEXT}
        </p>
        <MemberPicker
          label="People"
          selected={members}
          onChange={(next) => {
            setMembers(next);
            setProblem(null);
          }}
          suggestions={picker.suggestions}
          exclude={me === '' ? NOBODY : new Set([me])}
          query={picker.query}
          onQueryChange={picker.setQuery}
          check={picker.check}
        />
        <HistoryChoice value={history} onChange={setHistory} />
        {problem && <FormResult id={ids.result} text={problem} />}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create group'}
        </button>
      </form>
    </dialog>
  );
}
