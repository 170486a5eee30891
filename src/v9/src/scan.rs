//! The 9.1.3 generation's scan hook: bare `SessionData` documents and `SessionSnapshotV1`
//! envelopes (checked with the crate's `ensure_loadable`, as `SessionDirectory` reads them).

use a3s_code_core::llm::Message;
use a3s_code_core::store::{SessionData, SessionSnapshotV1};
use a3s_session_binding::error::{Error, Result};
use a3s_session_binding::json::parse_json_bytes_explained;
use a3s_session_binding::record::Node;
use a3s_session_binding::scan::reader::{Emit, Generation};
use a3s_session_binding::scan::tables::RowSink;
use a3s_session_binding::unknown::unknown_fields;

use crate::scan_rows::{emit_session, wire_name, Extras};
use crate::session::{PySessionData, PySessionSnapshotV1};

pub struct V9;

pub enum Doc {
    Bare(Box<SessionData>),
    Snapshot(Box<SessionSnapshotV1>),
}

fn visibility(m: &Message) -> String {
    wire_name(&m.transcript_visibility)
}

impl Generation for V9 {
    const NAME: &'static str = "v9";
    type Doc = Doc;

    fn parse(data: &[u8], envelope: bool) -> Result<Doc> {
        if !envelope {
            return parse_json_bytes_explained(data, |_| Ok(()), PySessionData::explain)
                .map(|s| Doc::Bare(Box::new(s)));
        }
        let snapshot: SessionSnapshotV1 =
            parse_json_bytes_explained(data, |_| Ok(()), PySessionSnapshotV1::explain)?;
        snapshot
            .ensure_loadable()
            .map_err(|e| Error::format(format!("{e:#}")))?;
        Ok(Doc::Snapshot(Box::new(snapshot)))
    }

    fn unknown_count(doc: &Doc, text: &str) -> usize {
        let fields = match doc {
            Doc::Bare(s) => unknown_fields(text, s.as_ref(), |_| Ok(())),
            Doc::Snapshot(s) => unknown_fields(text, s.as_ref(), |_| Ok(())),
        };
        fields.map_or(0, |f| f.len())
    }

    fn emit(doc: &Doc, at: &Emit<'_>, sink: &mut dyn RowSink) {
        let s = match doc {
            Doc::Bare(s) => s,
            Doc::Snapshot(snapshot) => &snapshot.session,
        };
        let extras = Extras {
            tenant_id: s.tenant_id.as_deref(),
            principal: s.principal.as_deref(),
            agent_template_id: s.agent_template_id.as_deref(),
            correlation_id: s.correlation_id.as_deref(),
            visibility: Some(visibility),
        };
        emit_session(s, &extras, at, sink)
    }
}
