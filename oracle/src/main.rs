//! The differential-test oracle: the crate's own serde, with none of the binding's code.
//!
//! Reads lines `KIND<TAB>JSON` from stdin; for each, parses JSON as the crate type KIND with
//! `serde_json::from_str` and answers one line, a JSON object: `{"compact": ..., "pretty": ...}`
//! (`serde_json::to_string` / `to_string_pretty`, what the crate's store writes) or
//! `{"error": "..."}`.
//!
//! Store lines drive the crate's own `FileSessionStore`: `STORE_SAVE<TAB>DIR<TAB>JSON` saves
//! the session (answers `{"ok": true}`), `STORE_LOAD<TAB>DIR<TAB>ID` answers
//! `{"compact": ...}` of the loaded session or `{"none": true}`.

use std::io::{self, BufRead, Write};

use a3s_code_core::llm::{ContentBlock, ImageSource, Message, TokenUsage};
use a3s_code_core::planning::Task;
use a3s_code_core::store::{
    ContextUsage, FileSessionStore, LlmConfigData, SessionConfig, SessionData, SessionStore,
};
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

fn store_command(rt: &tokio::runtime::Runtime, line: &str) -> serde_json::Value {
    let mut parts = line.splitn(3, '\t');
    let (cmd, dir, arg) = (parts.next(), parts.next(), parts.next());
    let (Some(cmd), Some(dir), Some(arg)) = (cmd, dir, arg) else {
        return serde_json::json!({ "error": "expected CMD<TAB>DIR<TAB>ARG" });
    };
    let result: anyhow::Result<serde_json::Value> = rt.block_on(async {
        let store = FileSessionStore::new(dir).await?;
        if cmd == "STORE_SAVE" {
            let session: SessionData = serde_json::from_str(arg)?;
            store.save(&session).await?;
            Ok(serde_json::json!({ "ok": true }))
        } else {
            Ok(match store.load(arg).await? {
                Some(s) => serde_json::json!({ "compact": serde_json::to_string(&s)? }),
                None => serde_json::json!({ "none": true }),
            })
        }
    });
    result.unwrap_or_else(|e| serde_json::json!({ "error": format!("{e:#}") }))
}

fn main() -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let reply = if line.starts_with("STORE_") {
            store_command(&rt, &line)
        } else {
            match line.split_once('\t') {
                Some((kind, text)) => answer(kind, text),
                None => serde_json::json!({ "error": "expected KIND<TAB>JSON" }),
            }
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}
