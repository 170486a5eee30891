//! The real A3S Code 9.1.3 agent loop, driven one prompt at a time, for the hand-back tests.
//!
//! `a3s-session-agent-v9 ARGS.json` where ARGS is
//! `{"store", "key"?: 64 hex, "workspace", "session", "provider": "openai"|"anthropic",
//!   "base_url", "prompt", "resume": bool}`.
//! It creates (or resumes, through the crate's `Agent::resume_session_async`) the session with
//! the crate's `FileSessionStore`, sends `prompt` with the crate's provider client pointed at
//! `base_url` (a scripted model on loopback), saves, and prints
//! `{"reply", "messages"}` as JSON. Everything else (history, fact log, what the model is
//! sent, what is saved) is the crate's own behaviour.

use std::sync::Arc;

use a3s_code_core::config::CodeConfig;
use a3s_code_core::llm::{AnthropicClient, LlmClient, OpenAiClient};
use a3s_code_core::store::{FileSessionStore, SessionStore};
use a3s_code_core::PlanningMode;
use a3s_code_core::{Agent, SessionOptions};
use anyhow::{bail, Context, Result};
use serde_json::Value;

const MODEL: &str = "fixture-model";

fn text(args: &Value, name: &str) -> Result<String> {
    args.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("missing string argument {name:?}"))
}

fn key(hex: &str) -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    if hex.len() != 64 {
        bail!("key must be 64 hex digits");
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)?;
    }
    Ok(key)
}

async fn run(args: Value) -> Result<Value> {
    let store_dir = text(&args, "store")?;
    let store: Arc<dyn SessionStore> = match args.get("key").and_then(Value::as_str) {
        Some(hex) => Arc::new(FileSessionStore::with_encryption_key(&store_dir, &key(hex)?).await?),
        None => Arc::new(FileSessionStore::new(&store_dir).await?),
    };
    let base_url = text(&args, "base_url")?;
    let client: Arc<dyn LlmClient> = match text(&args, "provider")?.as_str() {
        "openai" => {
            Arc::new(OpenAiClient::new("offline-key".into(), MODEL.into()).with_base_url(base_url))
        }
        "anthropic" => Arc::new(
            AnthropicClient::new("offline-key".into(), MODEL.into()).with_base_url(base_url),
        ),
        other => bail!("unknown provider {other:?}"),
    };
    let session_id = text(&args, "session")?;
    let options = SessionOptions::new()
        .with_session_id(&session_id)
        .with_session_store(store)
        .with_llm_client(client)
        .with_planning_mode(PlanningMode::Disabled)
        .with_continuation(false);
    let agent = Agent::from_config(CodeConfig::default()).await?;
    let session = if args.get("resume").and_then(Value::as_bool) == Some(true) {
        agent.resume_session_async(&session_id, options).await?
    } else {
        agent
            .session_async(text(&args, "workspace")?, Some(options))
            .await?
    };
    let result = session.send(&text(&args, "prompt")?, None).await?;
    session.save().await?;
    Ok(serde_json::json!({
        "reply": result.text,
        "messages": session.history().len(),
    }))
}

fn main() {
    let outcome = (|| -> Result<Value> {
        let path = std::env::args()
            .nth(1)
            .context("usage: a3s-session-agent-v9 ARGS.json")?;
        let args: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run(args))
    })();
    match outcome {
        Ok(value) => println!("{value}"),
        Err(error) => {
            eprintln!("{error:#}");
            std::process::exit(1);
        }
    }
}
