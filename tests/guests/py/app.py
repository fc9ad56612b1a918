"""The test suite's Python handler (componentize-py, wasi:http/proxy@0.2),
written against the bindings componentize-py generates, with the blocking
calls only (no asyncio):

    GET  /             "Hello from Python! (N)": N counts the requests this
                       instance handled (module state: 1 forever
                       serverless, 1, 2, 3 stateful)
    POST /sum          a JSON body {"numbers": [...]} answered as JSON
                       {"sum": S, "count": N}; 400 for a body that is not
    GET  /fetch?PORT   GET http://127.0.0.1:PORT/ through the host's
                       outgoing-handler; its status and body, prefixed
    GET  /raise        raises: the guest traps, the host answers 500
"""
import json

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import outgoing_handler
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingBody,
    Method_Get,
    OutgoingBody,
    OutgoingRequest,
    OutgoingResponse,
    ResponseOutparam,
    Scheme_Http,
)

count = 0


def respond(response_out, status, content_type, data):
    response = OutgoingResponse(Fields.from_list([("content-type", content_type)]))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    with body.write() as stream:
        # blocking_write_and_flush takes at most 4096 bytes at a time
        for at in range(0, len(data), 4096):
            stream.blocking_write_and_flush(data[at:at + 4096])
    OutgoingBody.finish(body, None)


def read_all(incoming_body):
    """The whole body of an incoming request or response."""
    chunks = []
    with incoming_body.stream() as stream:
        while True:
            try:
                chunks.append(stream.blocking_read(65536))
            except Err as e:
                if isinstance(e.value, StreamError_Closed):
                    break
                raise
    IncomingBody.finish(incoming_body)
    return b"".join(chunks)


def fetch(port):
    request = OutgoingRequest(Fields())
    request.set_method(Method_Get())
    request.set_scheme(Scheme_Http())
    request.set_authority(f"127.0.0.1:{port}")
    request.set_path_with_query("/")
    future = outgoing_handler.handle(request, None)
    with future.subscribe() as ready:
        ready.block()
    # option<result<result<incoming-response, error-code>>>: ready now
    outer = future.get()
    inner = outer.value if isinstance(outer, Ok) else outer
    if not isinstance(inner, Ok):
        return 502, b"back end failed: " + repr(inner).encode()
    response = inner.value
    return response.status(), read_all(response.consume())


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request, response_out):
        global count
        count += 1
        target = request.path_with_query() or "/"
        path, _, query = target.partition("?")
        if path == "/sum":
            try:
                numbers = json.loads(read_all(request.consume()))["numbers"]
                answer = {"sum": sum(numbers), "count": len(numbers)}
                respond(response_out, 200, b"application/json", json.dumps(answer).encode())
            except (ValueError, KeyError, TypeError) as e:
                respond(response_out, 400, b"text/plain", f"bad JSON: {e}\n".encode())
        elif path == "/fetch":
            status, data = fetch(int(query))
            respond(response_out, 200, b"text/plain", b"back end %d: " % status + data)
        elif path == "/raise":
            raise RuntimeError("asked to")
        else:
            respond(response_out, 200, b"text/plain", f"Hello from Python! ({count})\n".encode())
