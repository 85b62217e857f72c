import { statusRank } from './alert-state.js';
import { buildCheckSection } from './build-check-section.js';
import type { AlertDecision, AlertKind } from './decide-alerts.js';
import { cutText, escapeMrkdwn } from './mrkdwn.js';
import { slackLimits } from './slack-limits.js';
import type { SlackBlock, SlackMessage } from './slack-message.js';

/** Where and when the run happened, for the header and the context line. */
export interface SlackMessageContext {
  /** `--env-name` / `PIPECTL_ENV`; without it the header reads `pipectl: …`. */
  envName: string | undefined;
  /** The host that ran the checks. */
  host: string;
  /** When the checks ran (ISO 8601). */
  runAt: string;
  /** The run's id, as in `check_runs.run_id`. */
  runId: string;
  /** The run's counts, for the context line. */
  counts: Record<'pass' | 'warn' | 'fail' | 'error', number>;
}

/** Room kept for the last section, "…and N more checks: a, b, …", in the blocks' total text. */
const moreReserve = 1500;

/** The text a list of blocks holds, as Slack counts it toward `slackLimits.blocksText`. */
export function blockText(blocks: readonly SlackBlock[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'context') for (const e of block.elements) total += e.text.length;
    else total += block.text.text.length;
  }
  return total;
}

/** Order in a message: new alerts first, then repeats, then resolutions; worst status first within each. */
const kindOrder: Record<AlertKind, number> = { firing: 0, repeat: 1, resolved: 2 };

/** A firing cause (a check that explains others) comes before everything else: it is what to fix. */
const causeFirst = (d: AlertDecision) => (d.kind !== 'resolved' && d.explains.length > 0 ? 0 : 1);

/**
 * The one message a run posts, or undefined when no check has anything to say: a header
 * (`pipectl · prod: 2 failing, 1 resolved`), a context line (run time, host, counts, checks that
 * are still failing but not due a repeat), then one section per check that fired, repeats or
 * resolved, new alerts and the worst statuses first. Within Slack's limits (`slackLimits`):
 * every text is cut to its own limit; once the blocks' total text runs short, sections turn
 * compact; and the checks that fit neither in 50 blocks nor in the total are named in a last
 * section, "…and N more checks".
 */
export function buildSlackMessage(
  decisions: readonly AlertDecision[],
  context: SlackMessageContext,
): SlackMessage | undefined {
  const speaking = decisions
    .map((d, index) => ({ d, index }))
    .filter(({ d }) => d.kind !== null)
    .sort(
      (a, b) =>
        causeFirst(a.d) - causeFirst(b.d) ||
        kindOrder[a.d.kind as AlertKind] - kindOrder[b.d.kind as AlertKind] ||
        statusRank[b.d.result.status] - statusRank[a.d.result.status] ||
        a.index - b.index,
    )
    .map(({ d }) => d);
  if (speaking.length === 0) return undefined;

  const title = headerText(speaking, context.envName);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    { type: 'context', elements: contextElements(decisions, context) },
  ];
  // The most important check in full; then as many as fit compactly (and within 50 blocks), the
  // rest named in a last "…and N more" section; then, in order of importance, compact sections
  // become full ones while the blocks' total text allows.
  const room = slackLimits.blocks - blocks.length;
  const texts: string[] = [];
  let used = blockText(blocks);
  for (const [i, decision] of speaking.slice(0, room).entries()) {
    const rest = speaking.length - i - 1;
    if (rest > 0 && i === room - 1) break;
    const left = slackLimits.blocksText - used - (rest > 0 ? moreReserve : 0);
    const first = i === 0 ? buildCheckSection(decision) : '';
    const text = first !== '' && first.length <= left ? first : buildCheckSection(decision, 'compact');
    if (text.length > left) break;
    texts.push(text);
    used += text.length;
  }
  const shown = texts.length;
  const reserve = shown < speaking.length ? moreReserve : 0;
  for (const [i, decision] of speaking.slice(1, shown).entries()) {
    const full = buildCheckSection(decision);
    const grown = used - (texts[i + 1]?.length ?? 0) + full.length;
    if (grown + reserve > slackLimits.blocksText) continue;
    texts[i + 1] = full;
    used = grown;
  }
  for (const text of texts) blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  const hidden = speaking.slice(shown);
  if (hidden.length > 0) {
    const names = hidden.map((d) => d.result.name).join(', ');
    const more = `…and ${hidden.length} more check${hidden.length === 1 ? '' : 's'} (\`pipectl check\` reports them all)`;
    const text = cutText(`${more}: ${escapeMrkdwn(names)}`, moreReserve);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  return {
    // Notifications show `text`, and Slack reads it as mrkdwn: the env name and check names
    // must not form `<!channel>` there any more than in the blocks.
    text: fallbackText(escapeMrkdwn(title), speaking),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** How many checks the message folds under their causes. */
const folded = (speaking: readonly AlertDecision[]) =>
  speaking.filter((d) => d.kind !== 'resolved').reduce((n, d) => n + d.explains.length, 0);

/**
 * `pipectl · prod: 2 failing, 1 error, 1 resolved`, and `…, 2 explained` for checks folded
 * under a cause; within the header limit (a long env name is cut).
 */
function headerText(speaking: readonly AlertDecision[], envName: string | undefined): string {
  const count = (predicate: (d: AlertDecision) => boolean) => speaking.filter(predicate).length;
  const firingWith = (status: string) => (d: AlertDecision) => d.kind !== 'resolved' && d.result.status === status;
  const parts = [
    [count(firingWith('fail')), 'failing', 'failing'],
    [count(firingWith('error')), 'error', 'errors'],
    [count(firingWith('warn')), 'warning', 'warnings'],
    [count((d) => d.kind === 'resolved'), 'resolved', 'resolved'],
    [folded(speaking), 'explained', 'explained'],
  ] as const;
  const summary = parts
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`)
    .join(', ');
  const env = envName?.replace(/\s+/g, ' ').trim();
  if (!env) return cutText(`pipectl: ${summary}`, slackLimits.headerText);
  const room = slackLimits.headerText - `pipectl · : ${summary}`.length;
  return `pipectl · ${cutText(env, Math.max(1, room))}: ${summary}`;
}

/**
 * The context line: run time (in each reader's time zone, via Slack's date token), host, the
 * run's counts and id; then, if any, the checks that are still failing but not due a repeat,
 * so that a message never makes a partly broken system look healthier than it is.
 */
function contextElements(decisions: readonly AlertDecision[], context: SlackMessageContext) {
  const at = new Date(context.runAt);
  const utc = `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const epoch = Math.floor(at.getTime() / 1000);
  const counts = (['fail', 'error', 'warn', 'pass'] as const)
    .filter((s) => context.counts[s] > 0)
    .map((s) => `${context.counts[s]} ${s}`)
    .join(', ');
  const run = `Ran <!date^${epoch}^{date_short_pretty} {time_secs}|${utc}> on \`${escapeMrkdwn(context.host)}\` · ${counts} · run ${context.runId.slice(0, 8)}`;
  const elements = [{ type: 'mrkdwn' as const, text: cutText(run, 1000) }];
  const quiet = decisions.filter((d) => d.kind === null && d.next.notifiedStatus !== null).map((d) => d.result.name);
  if (quiet.length > 0) {
    const text = `Still firing, already posted: ${escapeMrkdwn(quiet.join(', '))}`;
    elements.push({ type: 'mrkdwn', text: cutText(text, 1000) });
  }
  return elements;
}

/** The notification text: the header, then the checks by what changed, cut with "…and N more". */
function fallbackText(title: string, speaking: readonly AlertDecision[]): string {
  const groups: [AlertKind, string][] = [
    ['firing', 'firing'],
    ['repeat', 'still firing'],
    ['resolved', 'resolved'],
  ];
  // A cause names the checks it explains: "firing: no-live-worker (explains pending-job-age, …)".
  const named = (d: AlertDecision) =>
    d.kind !== 'resolved' && d.explains.length > 0
      ? `${d.result.name} (explains ${d.explains.join(', ')})`
      : d.result.name;
  const parts = groups
    .map(([kind, label]) => [label, speaking.filter((d) => d.kind === kind).map(named)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${escapeMrkdwn(names.join(', '))}`);
  const full = `${title} — ${parts.join('; ')}`;
  if (full.length <= slackLimits.fallbackText) return full;
  // Cut at a name, and say how many did not fit.
  let text = '';
  let listed = 0;
  const names = speaking.map((d) => escapeMrkdwn(d.result.name));
  for (const name of names) {
    const next = listed === 0 ? `${title} — ${name}` : `${text}, ${name}`;
    if (next.length > slackLimits.fallbackText - 40) break;
    text = next;
    listed += 1;
  }
  return `${text} …and ${names.length - listed} more`;
}
