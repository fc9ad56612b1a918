//! Reads the request body as JSON `{"numbers": [...]}` and answers JSON
//! `{"sum": S, "count": N}` (S an integer when every number is one), the
//! same contract as the Python guest's /sum; a body that is not such JSON:
//! 400 "bad JSON: ...".

use serde::{Deserialize, Serialize};
use serde_json::Number;
use util::{read_all, respond};
use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

#[derive(Deserialize)]
struct Question {
    numbers: Vec<Number>,
}

#[derive(Serialize)]
struct Answer {
    sum: Number,
    count: usize,
}

fn sum(numbers: &[Number]) -> Option<Number> {
    let ints: Option<Vec<i64>> = numbers.iter().map(Number::as_i64).collect();
    if let Some(total) = ints.and_then(|v| v.iter().try_fold(0i64, |a, &b| a.checked_add(b))) {
        return Some(total.into());
    }
    Number::from_f64(numbers.iter().filter_map(Number::as_f64).sum())
}

struct Json;

impl Guest for Json {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let body = match request.consume() {
            Ok(body) => read_all(body),
            Err(()) => Err("the body was taken".to_string()),
        };
        let data = match body {
            Ok(data) => data,
            Err(e) => return respond(out, 500, "text/plain", format!("reading: {e}\n").as_bytes()),
        };
        match serde_json::from_slice::<Question>(&data) {
            Ok(q) => match sum(&q.numbers) {
                Some(sum) => {
                    let answer = Answer { sum, count: q.numbers.len() };
                    let text = serde_json::to_vec(&answer).expect("an answer serializes");
                    respond(out, 200, "application/json", &text)
                }
                None => respond(out, 400, "text/plain", b"bad JSON: the sum is not finite\n"),
            },
            Err(e) => respond(out, 400, "text/plain", format!("bad JSON: {e}\n").as_bytes()),
        }
    }
}

wasip2::http::proxy::export!(Json);
