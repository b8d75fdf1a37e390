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
