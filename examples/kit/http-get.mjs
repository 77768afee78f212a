import { get } from 'node:http';
import { DOWNSTREAM_TIMEOUT_MS } from './hop.mjs';

/**
 * A plain `http.get` as a promise of `{ status, text }`. Nothing here knows about tracing: in a
 * process where `instrumentOutbound()` runs, the request still leaves with the trace headers.
 */
export function httpGetText(url) {
  return new Promise((resolve, reject) => {
    const outgoing = get(url, { timeout: DOWNSTREAM_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode, text }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`no answer within ${DOWNSTREAM_TIMEOUT_MS} ms`)),
    );
    outgoing.on('error', reject);
  });
}
