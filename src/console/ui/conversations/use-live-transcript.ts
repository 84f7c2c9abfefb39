import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../components/chat-view.tsx';
import { type EventStreamOptions, openEventStream, type StreamState } from './event-stream.ts';
import { type Envelope, emptyTranscript, fold, type Message, type Transcript } from './transcript.ts';

/**
 * A conversation's transcript, live: the event stream from the start of the log, folded as events come,
 * resumed after a drop from the last seq seen. `ended` (from the conversation's own status) stops the
 * reconnecting once the server has sent all there is.
 */
export function useLiveTranscript(
  url: string | undefined,
  headers: () => Record<string, string>,
  endedAlready: boolean,
): { transcript: Transcript; state: StreamState; detail: string | undefined } {
  const [transcript, setTranscript] = useState<Transcript>(emptyTranscript);
  const [state, setState] = useState<StreamState>('connecting');
  const [detail, setDetail] = useState<string>();
  const ended = useRef(endedAlready);
  ended.current = endedAlready;
  const headersOf = useRef(headers);
  headersOf.current = headers;

  useEffect(() => {
    if (!url) return;
    setTranscript(emptyTranscript);
    let finished = false;
    const opts: EventStreamOptions = {
      headers: headersOf.current(),
      onEvent: (e) => {
        let envelope: Envelope;
        try {
          envelope = JSON.parse(e.data) as Envelope;
        } catch {
          return;
        }
        if (envelope.event_type === 'system.shutdown') finished = true;
        setTranscript((t) => fold(t, envelope));
      },
      onState: (s, d) => {
        setState(s);
        setDetail(d);
      },
      isFinished: () => finished || ended.current,
    };
    return openEventStream(url, opts);
  }, [url]);

  return { transcript, state, detail };
}

/** The transcript's messages in the shape of the console's chat view. */
export function chatMessages(messages: readonly Message[]): ChatMessage[] {
  return messages.map((m) => ({
    id: m.key,
    role: m.role === 'user' ? 'user' : m.role === 'replica' ? 'assistant' : 'system',
    content: m.role === 'error' ? '' : m.text,
    streaming: m.streaming,
    error: m.role === 'error' ? m.text : undefined,
    citations: m.citations.length > 0 ? m.citations : undefined,
    checks: m.checks.length > 0 ? m.checks : undefined,
    meta: m.interrupted ? 'interrupted' : undefined,
  }));
}
