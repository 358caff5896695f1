/**
 * Incremental decoder for `text/event-stream` (WHATWG HTML §9.2): feed it text as it arrives,
 * get back the `data` payload of every complete event. Comments and fields other than `data` are ignored.
 */
export class ServerSentEventDecoder {
  private buffer = '';
  private dataLines: string[] = [];

  /** Feeds a piece of the stream; returns the data of the events it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone '\r' at the very end may be the first half of '\r\n': wait for more input.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line, events);
    }
    return events;
  }

  /**
   * End of stream: a held-back final '\r' ends its line; an event without its terminating
   * blank line is then discarded, as the spec says.
   */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer.endsWith('\r')) this.line(this.buffer.slice(0, -1), events);
    this.buffer = '';
    this.dataLines = [];
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) events.push(this.dataLines.join('\n'));
      this.dataLines = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
  }
}

/** The data payloads of a fetch response body, as they complete. */
export async function* readServerSentData(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, void> {
  const decoder = new ServerSentEventDecoder();
  const text = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* decoder.push(text.decode(value, { stream: true }));
    }
    yield* decoder.push(text.decode());
    yield* decoder.end();
    finished = true;
  } finally {
    // The consumer stopped early (or reading failed): cancel so the connection is not left open.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
