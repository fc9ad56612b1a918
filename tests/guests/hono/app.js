// An HTTP handler written with the Hono web framework (npm, pinned in the
// repository's package.json), in the fetch-event style: Hono's app.fetch
// answers the FetchEvent that componentize-js's engine dispatches for each
// wasi:http request. Bundled with its imports into one file (bundle.mjs),
// then built by componentize-js (CMakeLists.txt here).
//
//   GET  /              "Hello from Hono!"
//   GET  /hello/:name   JSON {"hello": NAME, "method": "GET"} (a path parameter)
//   POST /sum           JSON {"numbers": [...]} -> {"sum": S, "count": N};
//                       anything else 400 "bad JSON: ..."
//   anything else       Hono's own 404 ("404 Not Found")
import { Hono } from 'hono';

const app = new Hono();

app.get('/', (c) => c.text('Hello from Hono!\n'));

app.get('/hello/:name', (c) => c.json({ hello: c.req.param('name'), method: c.req.method }));

app.post('/sum', async (c) => {
    let numbers;
    try {
        ({ numbers } = await c.req.json());
    } catch (e) {
        return c.text(`bad JSON: ${e.message}\n`, 400);
    }
    if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === 'number'))
        return c.text('bad JSON: "numbers" is not a list of numbers\n', 400);
    return c.json({ sum: numbers.reduce((a, b) => a + b, 0), count: numbers.length });
});

addEventListener('fetch', (event) => event.respondWith(app.fetch(event.request)));
