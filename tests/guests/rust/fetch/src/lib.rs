//! Calls a back end through `wasi:http/outgoing-handler`:
//!
//!   GET  /fetch?PORT   GET http://127.0.0.1:PORT/
//!   POST /fetch?PORT   POST http://127.0.0.1:PORT/ with the request's body
//!
//! and answers 200 "back end STATUS: BODY", or 502 "back end failed: ERROR"
//! with the error-code the host gave (e.g. HttpRequestDenied for a
//! destination outside `--allow-http`). The same contract as the Python
//! guest's /fetch.

use std::io::Write;

use util::{read_all, respond};
use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, IncomingRequest, Method, OutgoingBody, OutgoingRequest, ResponseOutparam,
    Scheme,
};

/// (status, body) of the back end's answer, or the error-code.
fn call(port: u16, method: Method, data: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let request = OutgoingRequest::new(Fields::new());
    let post = matches!(method, Method::Post);
    request.set_method(&method).map_err(|()| "method")?;
    request.set_scheme(Some(&Scheme::Http)).map_err(|()| "scheme")?;
    request.set_authority(Some(&format!("127.0.0.1:{port}"))).map_err(|()| "authority")?;
    request.set_path_with_query(Some("/")).map_err(|()| "path")?;
    // A GET leaves the body alone: a body taken and finished only after
    // handle() is of a length unknown when the request goes, so it is sent
    // chunked, and an empty chunked body on a GET is what servers that
    // ignore GET bodies (Python's http.server) read as a second request.
    let body = if post { Some(request.body().map_err(|()| "body")?) } else { None };
    let future = outgoing_handler::handle(request, None).map_err(|e: ErrorCode| format!("{e:?}"))?;
    if let Some(body) = body {
        // streamed while the request is on its way: written after handle
        {
            let mut stream = body.write().map_err(|()| "body stream")?;
            stream.write_all(data).map_err(|e| e.to_string())?;
            stream.flush().map_err(|e| e.to_string())?;
        }
        OutgoingBody::finish(body, None).map_err(|e| format!("{e:?}"))?;
    }
    let response = loop {
        match future.get() {
            Some(Ok(Ok(response))) => break response,
            Some(Ok(Err(e))) => return Err(format!("{e:?}")),
            Some(Err(())) => return Err("the response was taken".into()),
            None => future.subscribe().block(),
        }
    };
    let status = response.status();
    let data = read_all(response.consume().map_err(|()| "response body")?)?;
    Ok((status, data))
}

struct Fetch;

impl Guest for Fetch {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let Ok(port) = query.parse::<u16>() else {
            return respond(out, 400, "text/plain", b"usage: /fetch?PORT\n");
        };
        if path != "/fetch" {
            return respond(out, 404, "text/plain", b"usage: /fetch?PORT\n");
        }
        let (method, data) = match request.method() {
            Method::Post => match request.consume().map_err(|()| "taken".to_string()).and_then(read_all) {
                Ok(data) => (Method::Post, data),
                Err(e) => return respond(out, 500, "text/plain", format!("reading: {e}\n").as_bytes()),
            },
            _ => (Method::Get, Vec::new()),
        };
        match call(port, method, &data) {
            Ok((status, data)) => {
                let mut text = format!("back end {status}: ").into_bytes();
                text.extend_from_slice(&data);
                respond(out, 200, "text/plain", &text)
            }
            Err(e) => respond(out, 502, "text/plain", format!("back end failed: {e}\n").as_bytes()),
        }
    }
}

wasip2::http::proxy::export!(Fetch);
