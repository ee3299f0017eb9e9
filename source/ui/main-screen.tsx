/** The lab's main screen: topology and lesson, queues, actors and flow (or the binding tester), key line. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { testRoutingKey, testsHeaders } from '../lab/binding-test.js';
import { nodeLabel } from '../lab/cluster-state.js';
import { queueRates } from '../lab/rates.js';
import type { LabState } from '../lab/store.js';
import { ActorList, actorSparkWidth } from './actor-list.js';
import { BindingTester } from './binding-tester.js';
import { FlowLog } from './flow-log.js';
import { HintBar } from './hint-bar.js';
import type { KeyBinding } from './keymap.js';
import { selectedActor, shownActors } from './lab-keys.js';
import { calculateLayout, paneModes } from './layout.js';
import { LessonPane } from './lesson-pane.js';
import { type BrokerNodeFacts, failoverLine, nodeRows } from './nodes.js';
import { NodesPane } from './nodes-pane.js';
import { paneChrome, paneInnerWidth } from './pane.js';
import { PromptLine } from './prompt-line.js';
import { queueColumns } from './queue-columns.js';
import { QueueTable } from './queue-table.js';
import type { Prompt } from './screen-state.js';
import { type Line, topologyLines } from './topology.js';
import { TopologyPane } from './topology-pane.js';
import { useNow } from './use-lab-state.js';
import type { TerminalSize } from './use-terminal-size.js';

interface MainScreenProps {
  readonly state: LabState;
  readonly size: TerminalSize;
  readonly header: ReactNode;
  readonly bindings: readonly KeyBinding[];
  readonly selectedId: string | undefined;
  /** The routing key in the binding tester, while it is open. */
  readonly tested: string | undefined;
  readonly prompt: Prompt | undefined;
}

/** The panes: topology and lesson, queues, actors and flow (or the binding tester), key line. */
export function MainScreen({
  state,
  size,
  header,
  bindings,
  selectedId,
  tested,
  prompt,
}: MainScreenProps) {
  const now = useNow(500);
  const actors = shownActors(state);
  const selected = selectedActor(actors, selectedId);
  // Everything must fit in rows - 1 lines: taller output makes Ink clear and redraw the whole
  // screen on every frame (flicker). Fixed lines: header, lesson, hint bar, and the three boxes'
  // borders and titles (3 each) plus the queue table's column header.
  const { lessonWidth, topologyWidth } = paneModes(size.columns, size.rows);
  const lines = topologyLines(state, topologyWidth);
  const notices = state.notices.slice(-2);
  const labNodes = state.cluster?.nodes ?? [];
  const onNode = actorNodes(state);
  const nodes = nodeRows(labNodes, brokerNodes(state), onNode);
  const columns = queueColumns(size.columns, nodes.length > 0);
  const actorNodeLabels =
    nodes.length > 0
      ? new Map([...onNode].map(([id, name]) => [id, nodeLabel(labNodes, name)]))
      : undefined;
  const layout = calculateLayout({
    nodes: nodes.length,
    columns: size.columns,
    rows: size.rows,
    topologyLines: lines.length,
    queues: state.queues.list.length,
    actorRows: actors.reduce((n, a) => n + (a.lastError ? 2 : 1), 0),
    notices: notices.length,
  });
  const { wide, topRows, compact } = layout;
  const visibleActors = actorWindow(actors, selected, layout.actorRows);
  // Rows of the actors and flow panes together, for an overlay shown in their place.
  const lowerRows = 2 * paneChrome(compact) + layout.actorRows + layout.flowRows;

  return (
    <Box flexDirection="column" width={size.columns}>
      {header}
      <TopPanes
        state={state}
        lines={lines}
        notices={notices}
        wide={wide}
        topRows={topRows}
        topologyRows={layout.topologyRows}
        showTopology={layout.showTopology}
        compact={compact}
        lessonWidth={lessonWidth}
        topologyWidth={topologyWidth}
      />
      {nodes.length > 0 ? (
        <NodesPane
          rows={nodes}
          failover={failoverLine(labNodes, state.cluster?.failovers.at(-1))}
          compact={compact}
        />
      ) : null}
      <QueueTable
        queues={state.queues.list}
        rows={layout.queueRows}
        rates={queueRates(state)}
        {...(nodes.length > 0 ? { nodeLabel: (name) => nodeLabel(labNodes, name) } : {})}
        sampledAt={state.queues.sampledAt}
        error={state.queues.error}
        now={now}
        compact={compact}
        columns={columns}
        width={paneInnerWidth(size.columns, compact)}
        {...(state.history ? { history: state.history } : {})}
        {...(state.marks ? { marks: state.marks } : {})}
        {...(state.queues.latency ? { latency: state.queues.latency } : {})}
      />
      {/* An overlay takes the place of the actors and the flow log, so the frame keeps its height. */}
      {tested !== undefined ? (
        <BindingTester
          routingKey={tested}
          headers={testsHeaders(state)}
          verdicts={testRoutingKey(state, tested)}
          rows={lowerRows - 4}
        />
      ) : (
        <>
          <ActorList
            actors={visibleActors}
            selected={selected?.id}
            compact={compact}
            {...(actorNodeLabels ? { nodes: actorNodeLabels } : {})}
            {...(state.activity ? { activity: state.activity } : {})}
            sparkWidth={actorSparkWidth(size.columns)}
            width={paneInnerWidth(size.columns, compact)}
            {...(state.history ? { history: state.history } : {})}
            {...(state.marks ? { marks: state.marks } : {})}
            now={now}
          />
          <FlowLog
            records={state.flow}
            rows={layout.flowRows}
            compact={compact}
            width={paneInnerWidth(size.columns, compact)}
          />
        </>
      )}
      {prompt ? (
        <PromptLine label={prompt.label} value={prompt.value} />
      ) : (
        <HintBar bindings={bindings} />
      )}
    </Box>
  );
}

interface TopPanesProps {
  readonly state: LabState;
  readonly lines: readonly Line[];
  readonly notices: readonly string[];
  readonly wide: boolean;
  readonly topRows: number;
  readonly topologyRows: number;
  readonly showTopology: boolean;
  readonly compact: boolean;
  readonly lessonWidth: number;
  readonly topologyWidth: number;
}

/** The scenario's title and lesson line (narrow screens), notices, the topology and lesson panes. */
function TopPanes({
  state,
  lines,
  notices,
  wide,
  topRows,
  topologyRows,
  showTopology,
  compact,
  lessonWidth,
  topologyWidth,
}: TopPanesProps) {
  return (
    <>
      {wide ? null : (
        <Text wrap="truncate-end">
          {' '}
          <Text bold>{state.scenario.title}</Text>
          <Text dimColor>
            {' '}
            · {(state.tour?.text ?? state.scenario.lesson).replace(/\s+/g, ' ').trim()}
          </Text>
        </Text>
      )}
      {notices.map((n) => (
        <Text key={n} color="yellow" wrap="truncate-end">
          {' '}
          ! {n}
        </Text>
      ))}
      {showTopology ? (
        <Box height={wide ? topRows : undefined}>
          <TopologyPane lines={lines} rows={topologyRows} compact={compact} width={topologyWidth} />
          {wide ? (
            <LessonPane
              title={state.scenario.title}
              lesson={state.scenario.lesson}
              step={state.tour}
              width={lessonWidth}
              height={topRows}
            />
          ) : null}
        </Box>
      ) : null}
    </>
  );
}

/** The actors that fit, keeping the selected one in view. */
function actorWindow<T>(actors: readonly T[], selected: T | undefined, rows: number): T[] {
  const selectedIndex = selected ? actors.indexOf(selected) : 0;
  const first = Math.max(0, Math.min(selectedIndex - rows + 1, actors.length - rows));
  return actors.slice(first, first + rows);
}

/** What the management API says about the cluster's nodes (none for a single node). */
function brokerNodes(state: LabState): readonly BrokerNodeFacts[] {
  const nodes = state.nodes ?? [];
  return nodes.length > 1 || state.cluster ? nodes : [];
}

/** Each live actor's node, as it said when it connected (by port for a private cluster). */
function actorNodes(state: LabState): ReadonlyMap<string, string> {
  const byPort = new Map((state.cluster?.nodes ?? []).map((n) => [String(n.amqpPort), n.nodeName]));
  const map = new Map<string, string>();
  for (const actor of state.actors) {
    if (!actor.node || !['running', 'paused'].includes(actor.status)) continue;
    const port = actor.node.split(':').at(-1) ?? '';
    const name = byPort.get(port);
    if (name) map.set(actor.id, name);
  }
  return map;
}
