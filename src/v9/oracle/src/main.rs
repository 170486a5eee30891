//! The differential-test oracle for the 9.1 generation: a3s-code-core 9.1.3's own serde and
//! store, with none of the binding's code. Same line protocol as the 3.0.0 oracle:
//!
//! - `KIND<TAB>JSON` parses JSON as the crate type KIND with `serde_json::from_str` and answers
//!   `{"compact": ..., "pretty": ...}` or `{"error": "..."}`.
//! - `STORE_<CMD><TAB>DIR<TAB>KEY<TAB>ARG` drives the crate's `FileSessionStore` (KEY is 64 hex
//!   digits, or `-` for a plaintext store): `SAVE` / `SAVE_SNAPSHOT` take JSON and answer
//!   `{"ok": true}`; `LOAD` / `LOAD_SNAPSHOT` take an id and answer `{"compact": ...}` or
//!   `{"none": true}`; `LIST` answers `{"ids": [...]}`; `LEGACY_SAVE` writes a bare
//!   SessionData file the way the 3.0.0 layout holds it, for migration tests.

use std::io::{self, BufRead, Write};

use a3s_code_core::llm::{ContentBlock, ImageSource, Message, TokenUsage};
use a3s_code_core::planning::Task;
use a3s_code_core::store::{
    ContextUsage, FileSessionStore, LlmConfigData, SessionConfig, SessionData, SessionSnapshotV1,
    SessionStore,
};
use a3s_code_core::telemetry::LlmCostRecord;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

fn roundtrip<T: Serialize + DeserializeOwned>(text: &str) -> serde_json::Value {
    match serde_json::from_str::<T>(text) {
        Ok(v) => match (serde_json::to_string(&v), serde_json::to_string_pretty(&v)) {
            (Ok(c), Ok(p)) => json!({ "compact": c, "pretty": p }),
            (Err(e), _) | (_, Err(e)) => json!({ "error": e.to_string() }),
        },
        Err(e) => json!({ "error": e.to_string() }),
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
        "SessionSnapshotV1" => roundtrip::<SessionSnapshotV1>(text),
        other => json!({ "error": format!("unknown kind {other}") }),
    }
}

fn parse_key(hex: &str) -> anyhow::Result<Option<[u8; 32]>> {
    if hex == "-" {
        return Ok(None);
    }
    let mut key = [0u8; 32];
    if hex.len() != 64 {
        anyhow::bail!("key must be 64 hex digits");
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)?;
    }
    Ok(Some(key))
}

async fn open(dir: &str, key: Option<[u8; 32]>) -> anyhow::Result<FileSessionStore> {
    match key {
        Some(key) => FileSessionStore::with_encryption_key(dir, &key).await,
        None => FileSessionStore::new(dir).await,
    }
}

fn store_command(rt: &tokio::runtime::Runtime, line: &str) -> serde_json::Value {
    let mut parts = line.splitn(4, '\t');
    let (Some(cmd), Some(dir), Some(key), Some(arg)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return json!({ "error": "expected CMD<TAB>DIR<TAB>KEY<TAB>ARG" });
    };
    let result: anyhow::Result<serde_json::Value> = rt.block_on(async {
        let key = parse_key(key)?;
        if cmd == "STORE_LEGACY_SAVE" {
            // The 3.0.0 layout: `<dir>/<id>.json`, a bare pretty SessionData.
            let session: SessionData = serde_json::from_str(arg)?;
            std::fs::create_dir_all(dir)?;
            let path = std::path::Path::new(dir).join(format!("{}.json", session.id));
            std::fs::write(path, serde_json::to_string_pretty(&session)?)?;
            return Ok(json!({ "ok": true }));
        }
        let store = open(dir, key).await?;
        Ok(match cmd {
            "STORE_SAVE" => {
                store
                    .save(&serde_json::from_str::<SessionData>(arg)?)
                    .await?;
                json!({ "ok": true })
            }
            "STORE_SAVE_SNAPSHOT" => {
                let snapshot: SessionSnapshotV1 = serde_json::from_str(arg)?;
                store.save_snapshot(&snapshot).await?;
                json!({ "ok": true })
            }
            "STORE_LOAD" => match store.load(arg).await? {
                Some(s) => json!({ "compact": serde_json::to_string(&s)? }),
                None => json!({ "none": true }),
            },
            "STORE_LOAD_SNAPSHOT" => match store.load_snapshot(arg).await? {
                Some(s) => json!({ "compact": serde_json::to_string(&s)? }),
                None => json!({ "none": true }),
            },
            "STORE_LIST" => {
                let mut ids = store.list().await?;
                ids.sort();
                json!({ "ids": ids })
            }
            other => json!({ "error": format!("unknown command {other}") }),
        })
    });
    result.unwrap_or_else(|e| json!({ "error": format!("{e:#}") }))
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
                None => json!({ "error": "expected KIND<TAB>JSON" }),
            }
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}
