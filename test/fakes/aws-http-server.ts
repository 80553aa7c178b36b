/**
 * A local HTTP endpoint that answers like AWS with recorded responses, for wire-level tests of
 * the real SDK clients: point `AWS_ENDPOINT_URL` at it and the real ports send signed requests
 * here. Each request is identified (service from the SigV4 credential scope, action from the
 * query body, `X-Amz-Target`, or the S3 method and path) and recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  service: string;
  action: string;
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Form fields of query-protocol requests (IAM, STS, EC2). */
  form: Record<string, string>;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export type Responder = (request: RecordedRequest) => FakeResponse | undefined;

export interface FakeAwsServer {
  url: string;
  requests: RecordedRequest[];
  /** Responders are tried newest first; the first that answers wins. */
  on(responder: Responder): void;
  close(): Promise<void>;
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function identify(
  method: string,
  path: string,
  headers: Record<string, string>,
  form: Record<string, string>,
): { service: string; action: string } {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers['authorization'] ?? '');
  const service = scope?.[1] ?? 'unknown';
  const target = headers['x-amz-target'];
  if (target !== undefined) return { service, action: target.split('.').pop() ?? target };
  if (form['Action'] !== undefined) return { service, action: form['Action'] };
  if (service === 's3') {
    const [pathname = '', query = ''] = path.split('?');
    const segments = pathname.split('/').filter((segment) => segment !== '');
    const subresource = query.split('&')[0]?.split('=')[0] ?? '';
    if (segments.length === 0) return { service, action: `${method} /` };
    if (segments.length === 1)
      return { service, action: `${method} bucket${subresource === '' ? '' : `?${subresource}`}` };
    return { service, action: `${method} object${subresource === '' ? '' : `?${subresource}`}` };
  }
  return { service, action: `${method} ${path}` };
}

export async function startFakeAwsServer(): Promise<FakeAwsServer> {
  const responders: Responder[] = [];
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await read(request);
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.join(',') : (value ?? ''),
        ]),
      );
      const form = (headers['content-type'] ?? '').includes('x-www-form-urlencoded')
        ? Object.fromEntries(new URLSearchParams(body))
        : {};
      const method = request.method ?? 'GET';
      const path = request.url ?? '/';
      const recorded: RecordedRequest = {
        ...identify(method, path, headers, form),
        method,
        host: headers['host'] ?? '',
        path,
        headers,
        body,
        form,
      };
      requests.push(recorded);
      let answer: FakeResponse | undefined;
      for (const responder of [...responders].reverse()) {
        answer = responder(recorded);
        if (answer !== undefined) break;
      }
      answer ??= {
        status: 500,
        headers: { 'content-type': 'text/plain' },
        body: `no recorded response for ${recorded.service} ${recorded.action}`,
      };
      response.writeHead(answer.status ?? 200, {
        'x-amzn-requestid': 'fake-request-id',
        'x-amz-request-id': 'fake-request-id',
        ...(answer.headers ?? {}),
      });
      response.end(answer.body ?? '');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(responder) {
      responders.push(responder);
    },
    close() {
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Recorded AWS response bodies, by protocol. */
export const recorded = {
  /** awsQuery (IAM, STS) success. */
  query(action: string, namespace: string, result: string): FakeResponse {
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<${action}Response xmlns="${namespace}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>7f1c4a2e-0000-4000-8000-000000000001</RequestId></ResponseMetadata></${action}Response>`,
    };
  },
  /** awsQuery (IAM, STS) error. */
  queryError(
    status: number,
    code: string,
    message: string,
    namespace = 'https://iam.amazonaws.com/doc/2010-05-08/',
  ): FakeResponse {
    return {
      status,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>7f1c4a2e-0000-4000-8000-000000000002</RequestId></ErrorResponse>`,
    };
  },
  /** ec2Query success. */
  ec2(action: string, inner: string): FakeResponse {
    return {
      status: 200,
      headers: { 'content-type': 'text/xml;charset=UTF-8' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>${inner}</${action}Response>`,
    };
  },
  ec2Error(status: number, code: string, message: string): FakeResponse {
    return {
      status,
      headers: { 'content-type': 'text/xml;charset=UTF-8' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>59dbff89-35bd-4eac-99ed-be587EXAMPLE</RequestID></Response>`,
    };
  },
  /** awsJson1_1 (KMS, SSM, CloudTrail). */
  json(value: unknown): FakeResponse {
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(value) };
  },
  jsonError(status: number, type: string, message?: string): FakeResponse {
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ __type: type, ...(message === undefined ? {} : { message }) }),
    };
  },
  /** restXml (S3). */
  xml(body: string, status = 200): FakeResponse {
    return {
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
    };
  },
  s3Error(status: number, code: string, message: string): FakeResponse {
    return {
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>host</HostId></Error>`,
    };
  },
};
