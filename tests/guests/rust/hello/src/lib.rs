//! The smallest handler: "Hello from Rust!" for every request, with nothing
//! but the wasip2 crate's bindings (the `wasi` crate's WASI 0.2 side).

use std::io::Write;

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl Guest for Hello {
    fn handle(_request: IncomingRequest, out: ResponseOutparam) {
        let headers =
            Fields::from_list(&[("content-type".to_string(), b"text/plain".to_vec())]).unwrap();
        let response = OutgoingResponse::new(headers);
        let body = response.body().unwrap();
        ResponseOutparam::set(out, Ok(response));
        {
            let mut stream = body.write().unwrap();
            stream.write_all(b"Hello from Rust!\n").unwrap();
            stream.flush().unwrap();
        }
        OutgoingBody::finish(body, None).unwrap();
    }
}

wasip2::http::proxy::export!(Hello);
