/**
 * Turns an oclif parse error into one line that keeps its useful part. oclif's messages are a
 * heading ("Parsing --limit", "Missing 1 required arg:", "The following error occurred:") over
 * indented details (the allowed range, the missing argument or flag) and a "See more help" line;
 * the heading alone tells the user nothing.
 */
export function usageMessage(oclifMessage: string): string {
  const lines = oclifMessage
    .split('\n')
    .map((line) => line.trim().replace(/\s{2,}/g, ' '))
    .filter((line) => line !== '' && !/^See more help with/i.test(line));
  const [heading = oclifMessage, ...details] = lines;
  const parsing = /^Parsing (--\S+)$/.exec(heading);
  if (parsing) return `${parsing[1]}: ${lowerFirst(details.join('; '))}`.replace(/: $/, '');
  if (/^Missing \d+ required args?:$/.test(heading)) {
    const names = details.map((d) => d.split(' ')[0]).join(', ');
    return `missing required argument${details.length === 1 ? '' : 's'} ${names}`;
  }
  if (/^The following errors? occurred:$/.test(heading)) {
    return details
      .map((d) => lowerFirst(d.replace(/^Missing required flag (\w[\w-]*)$/, 'missing required flag --$1')))
      .join('; ');
  }
  return [heading, ...details].join('; ');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
