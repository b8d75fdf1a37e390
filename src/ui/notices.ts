/** The topic of a notice: its text up to the first colon ("caption graph: 3174 distinct texts…" -> "caption graph"). */
function topic(message: string): string {
  const i = message.indexOf(':');
  return i < 0 ? message : message.slice(0, i);
}

/**
 * The notices on screen after `message` arrives: a newer notice replaces an older one on the same topic (a new
 * dataset's caption-graph notice replaces the last one's), and at most `keep` stay, newest last.
 */
export function addNotice(notices: string[], message: string, keep = 3): string[] {
  const t = topic(message);
  return [...notices.filter((n) => topic(n) !== t).slice(-(keep - 1)), message];
}

const RUN_LABEL: Record<string, string> = { clip: 'CLIP', xsample: 'X-Sample', simclr: 'SimCLR', siglip: 'SigLIP', xclip: 'X-Sample image–text' };
const n = (s: string) => Number(s).toLocaleString('en-US');

/**
 * A notice as a person reads it: the worker's messages name its internals ("caption graph: 3174 distinct texts
 * encoded, 0 of them from the cache", "clip: …"); this says what happened and what it means. Unknown messages pass
 * through as they are.
 */
export function humanNotice(message: string): string {
  let m = /^caption graph: (\d+) distinct texts encoded, (\d+) of them from the cache$/.exec(message);
  if (m) {
    const [total, cached] = [Number(m[1]), Number(m[2])];
    const where =
      cached === 0 ? 'they are kept in this browser, so the next visit skips this step' : cached === total ? 'all ready-made: shipped with the demo set or kept in this browser from an earlier visit' : `${n(m[2])} of them from this browser’s cache`;
    return `Captions read: the sentence encoder turned ${n(m[1])} distinct captions into vectors for X-Sample’s similarity graph (${where}).`;
  }
  m = /^caption graph: (.+); using TF-IDF of the captions instead$/.exec(message);
  if (m) return `The sentence encoder could not read the captions (${m[1]}), so X-Sample compares them by their words (TF-IDF) instead.`;
  m = /^resumed "(.+)" at step (\d+)$/.exec(message);
  if (m) return `Resumed “${m[1]}” where it stopped, at step ${n(m[2])}. Press Train to go on.`;
  m = /^(\w+): (.+)$/.exec(message);
  if (m && RUN_LABEL[m[1]]) return `${RUN_LABEL[m[1]]}: ${m[2]}`;
  return message;
}
