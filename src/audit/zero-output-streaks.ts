import { type Stage, type StageDay, stages } from './stage-activity.js';

/**
 * The longest run of days on which a stage produced nothing while work waited for it — at the
 * stage itself, or upstream at a stage that was stalled too, since a page cannot come out while
 * its domain's sitemap job waits. A day on which nothing waited ends a run: an idle pipeline is
 * not an outage. So does a day on which the upstream stage produced output and this stage had
 * no work of its own yet.
 */
export interface ZeroStreak {
  stage: Stage;
  output: 'sitemap files' | 'pages' | 'contacts';
  days: number;
  from: string;
  to: string;
  /** The run reaches the window's last day: it is still going. */
  ongoing: boolean;
  /** The stages whose work waited during the run, upstream first. */
  waitedAt: Stage[];
  /** Domains submitted (sitemap jobs created) over those days. */
  domainsSubmitted: number;
  sentence: string;
}

const outputNames: Record<Stage, ZeroStreak['output']> = { WF4: 'sitemap files', WF5: 'pages', WF7: 'contacts' };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Each stage's longest zero-output streak (the latest of equally long ones); stages without one are left out. */
export function zeroOutputStreaks(days: StageDay[], submittedByDay: Map<string, number>): ZeroStreak[] {
  return stages.flatMap((stage) => {
    const upstream = stages.slice(0, stages.indexOf(stage) + 1);
    const stalled = (d: StageDay) => stalledAt(d, stage).length > 0;
    let best: { a: number; b: number } | undefined;
    let start = -1;
    days.forEach((d, i) => {
      if (!stalled(d)) {
        start = -1;
        return;
      }
      if (start < 0) start = i;
      if (!best || i - start >= best.b - best.a) best = { a: start, b: i };
    });
    if (!best) return [];
    const run = days.slice(best.a, best.b + 1);
    const from = run[0]?.day ?? '';
    const to = run.at(-1)?.day ?? '';
    const ongoing = best.b === days.length - 1;
    const waitedAt = upstream.filter((s) => run.some((d) => stalledAt(d, stage).includes(s)));
    const domainsSubmitted = run.reduce((n, d) => n + (submittedByDay.get(d.day) ?? 0), 0);
    const output = outputNames[stage];
    return [
      {
        stage,
        output,
        days: run.length,
        from,
        to,
        ongoing,
        waitedAt,
        domainsSubmitted,
        sentence: `${stage} ${output}: 0 created for ${plural(run.length, 'day')} (${from} → ${to}${ongoing ? ', still going' : ''}) while work waited at ${waitedAt.join(', ')}; ${plural(domainsSubmitted, 'domain')} submitted meanwhile`,
      },
    ];
  });
}

/**
 * The stages whose waiting work kept `stage` from producing on day `d`: itself if its own work
 * waited, and those of the stage upstream if that one was stalled too. Empty: not stalled.
 */
function stalledAt(d: StageDay, stage: Stage): Stage[] {
  if (d.produced[stage]) return [];
  const i = stages.indexOf(stage);
  const upstream = i > 0 ? stalledAt(d, stages[i - 1] as Stage) : [];
  return d.waiting[stage] ? [...upstream, stage] : upstream;
}

/**
 * The report's one-line answer: the longest streak, naming every stage that shared it, or
 * that there was none.
 */
export function summarizeStreaks(streaks: ZeroStreak[]): string {
  const longest = Math.max(0, ...streaks.map((s) => s.days));
  if (longest === 0)
    return 'no zero-output streak: every day on which work waited, the stages it waited for produced output';
  const top = streaks.filter((s) => s.days === longest);
  const first = top.find((s) => s.ongoing) ?? top[0];
  if (!first) return '';
  const same = top.filter((s) => s.from === first.from && s.to === first.to);
  const outputs = same.map((s) => s.output);
  const listed = outputs.length > 1 ? `${outputs.slice(0, -1).join(', ')} or ${outputs.at(-1)}` : outputs[0];
  const waited = [...new Set(same.flatMap((s) => s.waitedAt))];
  return `longest zero-output streak: ${plural(longest, 'day')} (${first.from} → ${first.to}${first.ongoing ? ', still going' : ''}) with no ${listed} while work waited at ${waited.join(', ')}`;
}
