// The semantics kit's guest in JavaScript (componentize-js): the same
// one-line JSON report as kit.c, field for field (kit/README.md), so that
// kit/check reads both alike. What differs is where state lives: the
// module's variables and a property of globalThis, both inside the
// SpiderMonkey heap in the component's linear memory.
//
// componentize-js runs the module's top level once, at build time, and
// snapshots the result (Wizer): every instance starts from that snapshot.
// So nothing per instance may be drawn at the top level; the identity is
// drawn by the first request that finds none.
import {
  Fields, OutgoingResponse, OutgoingBody, ResponseOutparam,
} from 'wasi:http/types@0.2.10';
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.10';
import { getRandomU64 } from 'wasi:random/random@0.2.10';

let identity = 0n;     // 0n: not drawn yet
let requestCount = 0;  // requests that entered, this one included
let initCount = 0;
let inFlight = 0;      // requests inside this instance now
let trapped = false;   // a request trapped on purpose here
let secretText = null; // the secret as a module variable
// ... and as a property of the global object: globalThis.kitSecret

const enc = new TextEncoder();

function respond(responseOut, status, type, text) {
  const headers = Fields.fromList([
    ['content-type', enc.encode(type)],
    ['cache-control', enc.encode('no-store')],
  ]);
  const resp = new OutgoingResponse(headers);
  resp.setStatusCode(status);
  const body = resp.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: resp });
  const out = body.write();
  out.blockingWriteAndFlush(enc.encode(text));
  out[Symbol.dispose]();
  OutgoingBody.finish(body, undefined);
}

// /secret/write?v=N: N of 1 to 15 digits, not all zero, as in kit.c.
function secretWrite(query) {
  const m = /(?:^|&)v=([0-9]{1,15})(?:&|$)/.exec(query);
  if (!m || Number(m[1]) === 0)
    return false;
  secretText = m[1];
  globalThis.kitSecret = Number(m[1]);
  return true;
}

// wasmhttpd:http/lifecycle's init, exported only by the stateful-proxy
// build (build_js.py adds the export; WORLD comes from there too).
function init() {
  initCount++;
}

export const incomingHandler = {
  handle(request, responseOut) {
    const seq = ++requestCount;
    const inFlightAtEntry = ++inFlight;
    while (identity === 0n)
      identity = getRandomU64();
    const target = request.pathWithQuery() ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    try {
      if (path === '/trap') {
        // As in kit.c: left as if the request had ended, then trap. An
        // exception escaping an export of a componentize-js component is
        // a trap of the component.
        trapped = true;
        inFlight--;
        throw new Error('kit: trap on purpose');
      }
      if (path === '/slow') {
        const m = /(?:^|&)ms=([0-9]{1,6})/.exec(query);
        const ms = Math.min(m ? Number(m[1]) : 0, 10000);
        const p = subscribeDuration(BigInt(ms) * 1000000n);
        p.block();
        p[Symbol.dispose]();
      }
      if (path === '/secret/write' && !secretWrite(query)) {
        respond(responseOut, 400, 'text/plain',
                'usage: /secret/write?v=N, N of 1 to 15 digits\n');
        return;
      }
      const report = {
        kit: 1,
        guest: 'js',
        world: WORLD,
        path: path.replace(/[^A-Za-z0-9/_.-]/g, '?'),
        instance: identity.toString(16).padStart(16, '0'),
        count: seq,
        init: initCount,
        in_flight: inFlightAtEntry,
        overlap: inFlightAtEntry > 1 || requestCount !== seq,
        after_trap: trapped,
        secret_memory: secretText,
        secret_global: globalThis.kitSecret ?? null,
      };
      respond(responseOut, 200, 'application/json', JSON.stringify(report) + '\n');
    } finally {
      if (path !== '/trap')
        inFlight--;
    }
  },
};
