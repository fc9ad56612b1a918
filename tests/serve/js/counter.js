// The counter of examples/counter in JavaScript, for componentize-js: a
// module-level count answered as "Hello from JS! (N)", and /init-less
// (componentize-js components export no lifecycle). It shows that a guest
// built against wasi:http 0.2.10 (and io/clocks/random/cli/filesystem at
// 0.2.10 too) links to our 0.2.12 host, and what each model does to module
// state in a 12 MB SpiderMonkey component.
import {
  Fields, OutgoingResponse, OutgoingBody, ResponseOutparam,
} from 'wasi:http/types@0.2.10';

let count = 0;
const enc = new TextEncoder();

export const incomingHandler = {
  handle(request, responseOut) {
    count++;
    const headers = Fields.fromList([['content-type', enc.encode('text/plain')]]);
    const resp = new OutgoingResponse(headers);
    resp.setStatusCode(200);
    const body = resp.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: resp });
    const out = body.write();
    out.blockingWriteAndFlush(enc.encode(`Hello from JS! (${count})\n`));
    out[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  },
};
