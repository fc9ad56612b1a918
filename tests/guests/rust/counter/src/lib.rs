//! The counter of examples/counter (its contract: kit/README.md), in Rust:
//! a module-level counter that every request increments.
//!
//!   /          "Hello from WASM! (N)": N = the requests this instance
//!              handled (1 forever serverless; 1, 2, 3 on a stateful instance)
//!   /init      "init=K count=N": K = how often `init` ran on this instance
//!   /trap      panics (panic = "abort": a trap) before any response is set
//!
//! Every request increments the counter first, whatever its path.
//! Built twice: as is by the package `counter` (world serverless-proxy),
//! and by `counter-stateful` with the feature `stateful`, which also exports
//! `wasmhttpd:http/lifecycle@0.1.0#init` (stateful-proxy), bound by
//! wit-bindgen from the repository's wit/lifecycle.wit. The stateful build
//! works on hosts that never call `init` too: /init then says init=0.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use util::respond;
use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

/// The module state the whole guest is about.
static REQUESTS: AtomicU32 = AtomicU32::new(0);
static INITS: AtomicU32 = AtomicU32::new(0);

struct Counter;

impl Guest for Counter {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let n = REQUESTS.fetch_add(1, Relaxed) + 1;
        let target = request.path_with_query().unwrap_or_default();
        let path = target.split('?').next().unwrap_or("");
        match path {
            "/trap" => panic!("asked to"),
            "/init" => {
                let text = format!("init={} count={n}\n", INITS.load(Relaxed));
                respond(out, 200, "text/plain", text.as_bytes())
            }
            _ => respond(out, 200, "text/plain", format!("Hello from WASM! ({n})\n").as_bytes()),
        }
    }
}

wasip2::http::proxy::export!(Counter);

#[cfg(feature = "stateful")]
mod lifecycle {
    wit_bindgen::generate!({
        path: "../../../../wit/lifecycle.wit",
        inline: "
            package wasmhttpd-tests:rust-counter;
            world stateful { export wasmhttpd:http/lifecycle@0.1.0; }
        ",
        world: "wasmhttpd-tests:rust-counter/stateful",
    });

    struct Lifecycle;

    impl exports::wasmhttpd::http::lifecycle::Guest for Lifecycle {
        fn init() -> Result<(), String> {
            super::INITS.fetch_add(1, super::Relaxed);
            Ok(())
        }
    }

    export!(Lifecycle);
}
