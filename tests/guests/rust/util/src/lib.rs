//! What the Rust guests share: writing a whole response and reading a whole
//! body with the blocking calls of `wasi:io/streams`.

use std::io::{Read, Write};

use wasip2::http::types::{
    Fields, IncomingBody, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// Sets the response (status, one content-type field) and writes `data` as
/// its body. The response is set before its body is written, as a streaming
/// handler would; `OutputStream`'s `Write` cuts the data into what
/// `check-write` allows.
pub fn respond(out: ResponseOutparam, status: u16, content_type: &str, data: &[u8]) {
    let headers =
        Fields::from_list(&[("content-type".to_string(), content_type.as_bytes().to_vec())])
            .expect("content-type is a valid field");
    let response = OutgoingResponse::new(headers);
    response.set_status_code(status).expect("a valid status");
    let body = response.body().expect("the response's body, once");
    ResponseOutparam::set(out, Ok(response));
    {
        let mut stream = body.write().expect("the body's stream, once");
        stream.write_all(data).expect("the client took the body");
        stream.flush().expect("the client took the body");
        // the stream is a child of the body: dropped before finish
    }
    OutgoingBody::finish(body, None).expect("the body is complete");
}

/// The whole of an incoming body (a request's or a response's), or the
/// stream's error.
pub fn read_all(body: IncomingBody) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    {
        let mut stream = body.stream().map_err(|()| "the body's stream was taken".to_string())?;
        stream.read_to_end(&mut data).map_err(|e| e.to_string())?;
    }
    let _trailers = IncomingBody::finish(body);
    Ok(data)
}
