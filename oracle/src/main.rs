//! The differential-test oracle: the crate's own serde, with none of the binding's code.
//!
//! Reads lines `KIND<TAB>JSON` from stdin; for each, parses JSON as the crate type KIND with
//! `serde_json::from_str` and answers one line, a JSON object: `{"compact": ..., "pretty": ...}`
//! (`serde_json::to_string` / `to_string_pretty`, what the crate's store writes) or
//! `{"error": "..."}`.

use std::io::{self, BufRead, Write};

use a3s_code_core::llm::{ContentBlock, ImageSource, Message, TokenUsage};
use a3s_code_core::planning::Task;
use a3s_code_core::store::{ContextUsage, LlmConfigData, SessionConfig, SessionData};
use a3s_code_core::telemetry::LlmCostRecord;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn roundtrip<T: Serialize + DeserializeOwned>(text: &str) -> serde_json::Value {
    match serde_json::from_str::<T>(text) {
        Ok(v) => match (serde_json::to_string(&v), serde_json::to_string_pretty(&v)) {
            (Ok(c), Ok(p)) => serde_json::json!({ "compact": c, "pretty": p }),
            (Err(e), _) | (_, Err(e)) => serde_json::json!({ "error": e.to_string() }),
        },
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    }
}

fn answer(kind: &str, text: &str) -> serde_json::Value {
    match kind {
        "SessionData" => roundtrip::<SessionData>(text),
        "SessionConfig" => roundtrip::<SessionConfig>(text),
        "ContextUsage" => roundtrip::<ContextUsage>(text),
        "LlmConfigData" => roundtrip::<LlmConfigData>(text),
        "Message" => roundtrip::<Message>(text),
        "ContentBlock" => roundtrip::<ContentBlock>(text),
        "ImageSource" => roundtrip::<ImageSource>(text),
        "TokenUsage" => roundtrip::<TokenUsage>(text),
        "Task" => roundtrip::<Task>(text),
        "LlmCostRecord" => roundtrip::<LlmCostRecord>(text),
        other => serde_json::json!({ "error": format!("unknown kind {other}") }),
    }
}

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let reply = match line.split_once('\t') {
            Some((kind, text)) => answer(kind, text),
            None => serde_json::json!({ "error": "expected KIND<TAB>JSON" }),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}
