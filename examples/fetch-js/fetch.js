// fetch-js: a componentize-js handler (fetch-event style) that forwards
// GET /PATH to the back end with fetch() and answers with what came back,
// and how long it took:
//
//   status, content-type and body   the back end's
//   x-backend-url                   what was fetched
//   x-fetch-ms                      until the back end's headers arrived
//   server-timing                   fetch;dur=…, body;dur=… (ms)
//
// The back end is BACKEND from the environment (`wasmhttpd serve --env
// BACKEND=http://127.0.0.1:8081`, and --allow-http for it), else
// http://127.0.0.1:8081. A fetch that fails is a 502 whose body says why.
import { getEnvironment } from 'wasi:cli/environment@0.2.10';

const DEFAULT_BACKEND = 'http://127.0.0.1:8081';

function backend() {
    for (const [key, value] of getEnvironment())
        if (key === 'BACKEND')
            return value.replace(/\/+$/, '');
    return DEFAULT_BACKEND;
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));

async function handle(req) {
    if (req.method !== 'GET')
        return new Response('only GET is forwarded\n', { status: 405 });
    const url = new URL(req.url);
    const target = backend() + url.pathname + url.search;
    const t0 = performance.now();
    let res;
    try {
        res = await fetch(target);
    } catch (e) {
        return new Response(`fetch ${target} failed: ${e}\n`, {
            status: 502,
            headers: { 'x-backend-url': target, 'x-fetch-ms': (performance.now() - t0).toFixed(3) },
        });
    }
    const t1 = performance.now();
    const body = await res.arrayBuffer();
    const t2 = performance.now();
    const headers = {
        'x-backend-url': target,
        'x-fetch-ms': (t1 - t0).toFixed(3),
        'server-timing': `fetch;dur=${(t1 - t0).toFixed(3)}, body;dur=${(t2 - t1).toFixed(3)}`,
    };
    const type = res.headers.get('content-type');
    if (type)
        headers['content-type'] = type;
    return new Response(body, { status: res.status, headers });
}
