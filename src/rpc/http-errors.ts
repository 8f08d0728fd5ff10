// 4.2.5's (medusa's) error responses: the same status codes and the same small HTML body.
import type { ServerResponse } from 'node:http';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  411: 'Length Required',
  413: 'Request Entity Too Large',
  421: 'Misdirected Request',
  500: 'Internal Server Error',
};

export function errorBody(code: number): string {
  const reason = REASONS[code] ?? 'Error';
  return `<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code ${code}.\r\n<p>Message: ${reason}.\r\n</body>\r\n`;
}

/** Answer with medusa's error page; 401 also asks for Basic credentials and closes, as 4.2.5 does. */
export function sendError(res: ServerResponse, code: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(code);
  const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body), 'Content-Type': 'text/html' };
  if (code === 401) {
    headers['WWW-Authenticate'] = 'Basic realm="default"';
    headers.Connection = 'close';
  }
  res.writeHead(code, REASONS[code] ?? 'Error', headers);
  res.end(body);
}
