/** One server-sent event: its `event:` name (default "message") and its `data:` lines joined by "\n". */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Pure: an incremental parser of the `text/event-stream` format (WHATWG HTML §9.2.6). Feed it decoded text
 * in whatever pieces the network delivers; it returns the events each piece completes. An event is
 * dispatched at a blank line; comments (`:`) and unknown fields are ignored; CRLF, LF and CR all end a line.
 */
export function createEventStreamParser() {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let sawCarriageReturn = false;

  const takeLine = (line: string, out: ServerSentEvent[]) => {
    if (line === '') {
      if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };

  return {
    push(text: string): ServerSentEvent[] {
      const out: ServerSentEvent[] = [];
      // a CRLF split across two pieces: the LF belongs to the line the CR already ended
      if (sawCarriageReturn && text.startsWith('\n')) text = text.slice(1);
      sawCarriageReturn = false;
      buffer += text;
      const lines = buffer.split(/\r\n|\n|\r/);
      buffer = lines.pop() ?? '';
      if (buffer === '' && text.endsWith('\r')) sawCarriageReturn = true;
      for (const line of lines) takeLine(line, out);
      return out;
    },
    /** The stream ended: an event without its closing blank line is discarded, as the standard says. */
    end(): ServerSentEvent[] {
      buffer = '';
      data = [];
      event = '';
      return [];
    },
  };
}

/** Reads a fetch response body as server-sent events, in order, as they arrive. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const parser = createEventStreamParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
