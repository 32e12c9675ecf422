import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EVENT_GRID_ORIGIN,
  SUBSCRIPTION_VALIDATION_EVENT,
  WEBHOOK_ALLOWED_ORIGIN,
  WEBHOOK_ALLOWED_RATE,
} from '../../listener/eventgrid/index.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ResponsePlan {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | object;
  /** Never answer (until the webhook closes): rehearses the response timeout. */
  readonly hang?: boolean;
}

export type Responder = (request: RecordedRequest, index: number) => ResponsePlan | Promise<ResponsePlan>;

export interface RecordingWebhook {
  /** `http://127.0.0.1:{port}` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests whose aeg-event-type is Notification, bodies parsed. */
  notifications(): { request: RecordedRequest; body: unknown }[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

/** Answers like a well-behaved webhook: echoes validation codes, grants CloudEvents OPTIONS, 200s the rest. */
export const politeResponder: Responder = (request) => {
  if (request.method === 'OPTIONS') {
    return {
      status: 200,
      headers: { [WEBHOOK_ALLOWED_ORIGIN]: EVENT_GRID_ORIGIN, [WEBHOOK_ALLOWED_RATE]: '*' },
    };
  }
  const code = validationCodeOf(request);
  return code === undefined ? { status: 200 } : { status: 200, body: { validationResponse: code } };
};

export function validationCodeOf(request: RecordedRequest): string | undefined {
  return validationDataOf(request)?.validationCode;
}

export function validationDataOf(
  request: RecordedRequest,
): { validationCode: string; validationUrl: string | undefined } | undefined {
  if (request.method !== 'POST' || request.body === '') return undefined;
  const body: unknown = JSON.parse(request.body);
  if (!Array.isArray(body)) return undefined;
  const first: unknown = body[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const event = first as {
    eventType?: unknown;
    data?: { validationCode?: unknown; validationUrl?: unknown };
  };
  if (event.eventType !== SUBSCRIPTION_VALIDATION_EVENT || typeof event.data?.validationCode !== 'string') {
    return undefined;
  }
  return {
    validationCode: event.data.validationCode,
    validationUrl: typeof event.data.validationUrl === 'string' ? event.data.validationUrl : undefined,
  };
}

/** A real HTTP server on 127.0.0.1 that records every request and answers as told. */
export async function startRecordingWebhook(
  responder: Responder = politeResponder,
): Promise<RecordingWebhook> {
  const requests: RecordedRequest[] = [];
  let current = responder;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    const index = requests.push(recorded) - 1;
    const plan = await current(recorded, index);
    if (plan.hang === true) return;
    const body =
      plan.body === undefined ? '' : typeof plan.body === 'string' ? plan.body : JSON.stringify(plan.body);
    res.writeHead(plan.status ?? 200, {
      ...(typeof plan.body === 'object' ? { 'content-type': 'application/json' } : {}),
      ...plan.headers,
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    notifications: () =>
      requests
        .filter((request) => request.headers['aeg-event-type'] === 'Notification')
        .map((request) => ({ request, body: JSON.parse(request.body) as unknown })),
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}
