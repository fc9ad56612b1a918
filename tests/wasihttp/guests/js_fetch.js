// A componentize-js guest (StarlingMonkey, fetch-event style) for
// tests/wasihttp/run_hw_tests.py and run_outbound_tests.py: the engine's own
// use of wasi:http (bodies as streams and pollables, headers, outbound
// fetch) on this host.
//
//   /            "hello from js"
//   /echo        the request body, read whole, with x-len and x-method
//   /stream      the request body streamed back as it comes
//   /headers     the request's headers, "name=value" lines
//   /fetch       an outbound GET of the URL in x-target (default
//                http://example.com/, which a host that allows nothing
//                refuses: 502 and the error); the answer has the back end's
//                status (in x-backend-status too) and its body
//   /fetch-post  the request body POSTed to x-target, the same answer
addEventListener('fetch', (event) => event.respondWith(handle(event.request)));

async function handle(req) {
    const path = new URL(req.url).pathname;
    if (path === '/echo') {
        const body = await req.arrayBuffer();
        return new Response(body, {
            headers: { 'x-len': String(body.byteLength), 'x-method': req.method },
        });
    }
    if (path === '/stream')
        return new Response(req.body, { headers: { 'x-stream': '1' } });
    if (path === '/headers') {
        let out = '';
        for (const [k, v] of req.headers)
            out += `${k}=${v}\n`;
        return new Response(out);
    }
    if (path === '/fetch' || path === '/fetch-post') {
        const target = req.headers.get('x-target') || 'http://example.com/';
        try {
            const init = path === '/fetch-post'
                ? { method: 'POST', body: await req.arrayBuffer() }
                : {};
            const r = await fetch(target, init);
            const body = await r.arrayBuffer();
            return new Response(body, {
                status: r.status,
                headers: { 'x-backend-status': String(r.status) },
            });
        } catch (e) {
            return new Response(`fetch failed: ${e}`, { status: 502 });
        }
    }
    return new Response('hello from js\n');
}
