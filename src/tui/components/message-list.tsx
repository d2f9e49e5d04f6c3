// The conversation part of a chat screen: the entries on screen, each message under its day separator and the
// "new messages" divider, names in their own colours, mentions of the user marked, membership lines in the flow.
import { Box } from 'ink';
import { Text } from './text.js';
import { dayLabel, formatClock } from '../format.js';
import { mentionSegments } from '../mention-text.js';
import { useNameColor, useTone } from '../theme.js';
import { flowText, lineOf, withoutTop, type Entry } from '../thread-layout.js';

interface Props {
  visible: readonly Entry[];
  /** Rows of the top entry that do not fit. */
  over: number;
  /** Shown when there is nothing to show. */
  empty: string;
  /** Marks `@me` in others' messages (groups); none in a direct chat. */
  me?: string;
}

export function MessageList({ visible, over, empty, me }: Props) {
  const tone = useTone();
  const nameColor = useNameColor();
  return (
    <Box flexDirection="column" flexGrow={1} justifyContent="flex-end" overflow="hidden">
      {visible.length === 0 ? <Text {...tone('muted')}>{empty}</Text> : null}
      {visible.map((entry, i) => (
        <Box key={entry.key} flexDirection="column">
          {entry.startsDay || i === 0 ? (
            <Text {...tone('muted')} wrap="truncate-end">
              ── {dayLabel(entry.ts)} ──
            </Text>
          ) : null}
          {entry.firstUnread ? (
            <Text {...tone('notice')} wrap="truncate-end">
              ── new messages ──
            </Text>
          ) : null}
          {entry.kind === 'line' ? (
            <Box>
              <Box flexShrink={0}>
                <Text {...tone('muted')}>{formatClock(entry.ts)} </Text>
              </Box>
              <Text {...tone('notice')} wrap="wrap">
                {flowText(entry.text)}
              </Text>
            </Box>
          ) : (
            <MessageRow entry={entry} over={i === 0 ? over : 0} me={me} tone={tone} nameColor={nameColor} />
          )}
        </Box>
      ))}
    </Box>
  );
}

interface RowProps {
  entry: Extract<Entry, { kind: 'message' }>;
  over: number;
  me: string | undefined;
  tone: ReturnType<typeof useTone>;
  nameColor: ReturnType<typeof useNameColor>;
}

function MessageRow({ entry: { item }, over, me, tone, nameColor }: RowProps) {
  const l = lineOf(item);
  const body = withoutTop(l.lines, over).join('\n');
  const segments = me !== undefined && !item.mine && !item.failure ? mentionSegments(body, me) : [{ text: body, mention: false }];
  return (
    <Box>
      <Box flexShrink={0}>
        <Text {...tone('muted')}>{l.time} </Text>
        <Text bold={item.mine} {...nameColor(item.from)}>
          {l.name}:{' '}
        </Text>
      </Box>
      <Text wrap="wrap">
        {item.failure ? (
          <Text {...tone('error')}>{body}</Text>
        ) : (
          segments.map((s, i) =>
            s.mention ? (
              <Text key={i} {...tone('mention')}>
                {s.text}
              </Text>
            ) : (
              s.text
            ),
          )
        )}
        {l.mark ? <Text {...tone(item.status === 'failed' ? 'error' : 'muted')}> {l.mark}</Text> : null}
      </Text>
    </Box>
  );
}
