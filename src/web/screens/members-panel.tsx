// A group's members and settings: who is in it with their roles, and what your role allows (add, remove,
// change roles, rename, the history setting, leave), destructive changes confirmed first.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { GroupSummary } from '../../shared/protocol.js';
import { useMe } from '../client-context.js';
import { Avatar } from '../components/avatar.js';
import { FormResult } from '../components/form-result.js';
import { HistoryChoice } from '../components/history-choice.js';
import { CloseIcon } from '../components/icons.js';
import { MemberPicker } from '../components/member-picker.js';
import { useGroupActions, useGroupConversation } from '../hooks/use-group-conversation.js';
import { usePeoplePicker } from '../hooks/use-people-picker.js';
import { groupNameProblem, powersOf, roleName, type GroupRole } from '../lib/groups.js';

interface MembersPanelProps {
  conversation: GroupSummary;
  name: string;
  onClose(): void;
}

type Result = { ok: boolean; text: string } | null;

export function MembersPanel({ conversation, name, onClose }: MembersPanelProps): ReactElement {
  const me = useMe();
  const group = useGroupConversation(conversation);
  const actions = useGroupActions(conversation.id);
  const picker = usePeoplePicker();
  const dialog = useRef<HTMLDialogElement>(null);
  const ids = { title: useId(), rename: useId(), role: useId() };
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>(null);
  const [newName, setNewName] = useState(name);
  const [adding, setAdding] = useState<readonly string[]>([]);
  const [addRole, setAddRole] = useState<'member' | 'admin'>('member');
  const powers = powersOf(group.myRole);
  const memberNames = new Set(group.members.map((m) => m.username));

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  /** Runs one change; `done` is said when it worked. */
  const run = async (change: () => Promise<string | null>, done: string) => {
    if (busy) return;
    setBusy(true);
    setResult(null);
    const problem = await change();
    setBusy(false);
    setResult(problem === null ? { ok: true, text: done } : { ok: false, text: problem });
  };

  const rename = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = newName.trim();
    const problem = groupNameProblem(trimmed);
    if (problem !== null) return setResult({ ok: false, text: problem });
    if (trimmed === name) return;
    void run(() => actions.rename(trimmed), `The group is now called “${trimmed}”.`);
  };

  const add = () => {
    if (adding.length === 0) return setResult({ ok: false, text: 'Choose someone to add first.' });
    const names = [...adding];
    void run(async () => {
      const problem = await actions.add(names, addRole);
      if (problem === null) setAdding([]);
      return problem;
    }, `Added ${names.join(', ')}.`);
  };

  const remove = (username: string) => {
    if (!window.confirm(`Remove ${username} from “${name}”? They will not see new messages.`)) return;
    void run(() => actions.remove(username), `Removed ${username}.`);
  };

  const leave = () => {
    if (!window.confirm(`Leave “${name}”? You will not see new messages unless someone adds you again.`)) return;
    void run(() => actions.leave(), 'You left the group.');
  };

  const setRole = (username: string, role: GroupRole) => {
    if (role === 'owner' && !window.confirm(`Make ${username} an owner of “${name}”? Owners can change everything, including your role.`)) return;
    void run(() => actions.setRole(username, role), `${username} is now ${role === 'member' ? 'a member' : `an ${role}`}.`);
  };

  return (
    <dialog ref={dialog} className="account-dialog members-dialog" aria-labelledby={ids.title} onClose={onClose}>
      <div className="account-head">
        <h2 id={ids.title}>
          <bdi>{name}</bdi>
        </h2>
        <button type="button" className="icon-btn" onClick={() => dialog.current?.close()} aria-label="Close" title="Close">
          <CloseIcon />
        </button>
      </div>
      <p className="account-sub">
        {group.members.length} member{group.members.length === 1 ? '' : 's'}
        {group.myRole ? ` · you are ${group.myRole === 'member' ? 'a member' : `an ${group.myRole}`}` : ' · you are no longer in this group'}
      </p>
      {result && <FormResult {...result} />}

      <section aria-label="Members">
        <h3>Members</h3>
        <ul className="device-list member-list">
          {group.members.map((m) => (
            <li key={m.username} className="device member" data-member={m.username} data-role={m.role}>
              <Avatar username={m.username} size={32} />
              <div className="device-text">
                <span className="device-name">
                  {m.username}
                  {m.username === me && ' (you)'}
                </span>
                <span className="device-meta">{roleName(m.role)}</span>
              </div>
              {m.username !== me && (
                <div className="member-actions">
                  {powers.setRoles && m.role !== 'owner' && (
                    <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => setRole(m.username, 'owner')}>
                      Make owner
                    </button>
                  )}
                  {powers.setRoles && m.role !== 'admin' && (
                    <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => setRole(m.username, 'admin')}>
                      Make admin
                    </button>
                  )}
                  {powers.setRoles && m.role !== 'member' && (
                    <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => setRole(m.username, 'member')}>
                      Make member
                    </button>
                  )}
                  {powers.remove(m.role) && (
                    <button
                      type="button"
                      className="btn btn-ghost btn-danger"
                      disabled={busy}
                      onClick={() => remove(m.username)}
                      aria-label={`Remove ${m.username}`}
                    >
                      Remove
                    </button>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>

      {powers.add && (
        <section aria-label="Add people">
          <h3>Add people</h3>
          <MemberPicker
            label="People to add"
            selected={adding}
            onChange={setAdding}
            suggestions={picker.suggestions}
            exclude={memberNames}
            query={picker.query}
            onQueryChange={picker.setQuery}
            check={picker.check}
          />
          {powers.setRoles && (
            <>
              <label htmlFor={ids.role} className="field-label">
                Add as
              </label>
              <select id={ids.role} className="input" value={addRole} onChange={(e) => setAddRole(e.target.value === 'admin' ? 'admin' : 'member')}>
                <option value="member">Member</option>
                <option value="admin">Admin</option>
              </select>
            </>
          )}
          <button type="button" className="btn btn-primary" disabled={busy} onClick={add}>
            Add to group
          </button>
        </section>
      )}

      {powers.rename && (
        <section aria-label="Group name">
          <h3>Group name</h3>
          <form onSubmit={rename} noValidate>
            <label htmlFor={ids.rename} className="visually-hidden">
              Group name
            </label>
            <input id={ids.rename} className="input" autoComplete="off" value={newName} onChange={(e) => setNewName(e.target.value)} />
            <button type="submit" className="btn btn-ghost" disabled={busy}>
              Rename
            </button>
          </form>
        </section>
      )}

      <section aria-label="History for new members">
        <h3>History for new members</h3>
        <HistoryChoice
          value={group.view?.history ?? 'hidden'}
          disabled={!powers.setHistory || busy}
          onChange={(history) => void run(() => actions.setHistory(history), history === 'shared' ? 'People added from now on see the whole history.' : 'People added from now on see only what follows.')}
        />
        {!powers.setHistory && <p className="field-hint">Only an owner can change this.</p>}
      </section>

      {group.myRole !== null && (
        <section aria-label="Leave">
          <button type="button" className="btn btn-ghost btn-danger" disabled={busy} onClick={leave}>
            Leave group
          </button>
        </section>
      )}
    </dialog>
  );
}
