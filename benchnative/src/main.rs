//! Native Rust contender for `benchmarks/run.py`.
//!
//! Usage: `a3s-session-benchnative ITERATIONS FILE...`
//!
//! For each file, times (inside Rust, with `std::time::Instant`) ITERATIONS runs of
//!
//! - `decode`: `serde_json::from_str::<SessionData>(&text)`,
//! - `encode`: `serde_json::to_string(&session)`,
//! - `roundtrip`: both, back to back,
//!
//! interleaved per iteration (decode, encode, roundtrip, decode, ...; each timing includes
//! dropping the value or string it produced), and prints one JSON line
//! per file: `{"file": ..., "bytes": ..., "iterations": N, "decode_ns": median, "encode_ns":
//! median, "roundtrip_ns": median, "identical": bool}` where `identical` says whether the
//! re-encoded text equals the input byte for byte.
//!
//! `a3s-session-benchnative --emit FILE...` instead prints, per file, one JSON line
//! `{"file": ..., "compact": <serde_json::to_string of the parsed SessionData>}` (or
//! `{"file": ..., "error": ...}`), for the exactness cross-check.

use std::hint::black_box;
use std::time::Instant;

use a3s_code_core::store::SessionData;

fn median(mut v: Vec<u128>) -> u128 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn emit(paths: impl Iterator<Item = String>) {
    for path in paths {
        let answer = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<SessionData>(&text).map_err(|e| e.to_string()))
            .and_then(|s| serde_json::to_string(&s).map_err(|e| e.to_string()));
        match answer {
            Ok(compact) => println!(
                "{{\"file\":{},\"compact\":{}}}",
                json_str(&path),
                json_str(&compact)
            ),
            Err(e) => println!(
                "{{\"file\":{},\"error\":{}}}",
                json_str(&path),
                json_str(&e)
            ),
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--emit") {
        args.next();
        emit(args);
        return;
    }
    let iterations: usize = match args.next().and_then(|a| a.parse().ok()) {
        Some(n) if n > 0 => n,
        _ => {
            eprintln!("usage: a3s-session-benchnative ITERATIONS FILE...");
            std::process::exit(2);
        }
    };
    for path in args {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(1);
            }
        };
        let session: SessionData = match serde_json::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{path}: the crate rejects it: {e}");
                std::process::exit(1);
            }
        };
        let identical = serde_json::to_string(&session)
            .map(|s| s == text)
            .unwrap_or(false);

        let (mut dec, mut enc, mut rt) = (
            Vec::with_capacity(iterations),
            Vec::with_capacity(iterations),
            Vec::with_capacity(iterations),
        );
        for _ in 0..iterations {
            // Each timing includes dropping what the call produced, as the Python-side timings
            // include freeing the result.
            let t = Instant::now();
            let s: SessionData = serde_json::from_str(black_box(&text)).unwrap();
            black_box(&s);
            drop(s);
            dec.push(t.elapsed().as_nanos());

            let t = Instant::now();
            let out = serde_json::to_string(black_box(&session)).unwrap();
            black_box(&out);
            drop(out);
            enc.push(t.elapsed().as_nanos());

            let t = Instant::now();
            let s: SessionData = serde_json::from_str(black_box(&text)).unwrap();
            let out = serde_json::to_string(&s).unwrap();
            black_box(&out);
            drop(out);
            drop(s);
            rt.push(t.elapsed().as_nanos());
        }
        println!(
            "{{\"file\":{},\"bytes\":{},\"iterations\":{},\"decode_ns\":{},\"encode_ns\":{},\"roundtrip_ns\":{},\"identical\":{}}}",
            json_str(&path),
            text.len(),
            iterations,
            median(dec),
            median(enc),
            median(rt),
            identical
        );
    }
}
