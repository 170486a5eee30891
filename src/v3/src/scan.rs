//! The 3.0.0 generation's scan hook: bare `SessionData` documents (3.0.0 has no envelope).

use a3s_code_core::store::SessionData;
use a3s_session_binding::error::{Error, Result};
use a3s_session_binding::json::parse_json_bytes_explained;
use a3s_session_binding::record::Node;
use a3s_session_binding::scan::reader::{Emit, Generation};
use a3s_session_binding::scan::tables::RowSink;
use a3s_session_binding::unknown::unknown_fields;

use crate::scan_rows::{emit_session, Extras};
use crate::session::PySessionData;

pub struct V3;

impl Generation for V3 {
    const NAME: &'static str = "v3";
    type Doc = SessionData;

    fn parse(data: &[u8], envelope: bool) -> Result<SessionData> {
        if envelope {
            return Err(Error::format(
                "a v1 snapshot envelope: a3s-code-core 3.0.0 reads only bare session documents",
            ));
        }
        parse_json_bytes_explained(data, |_| Ok(()), PySessionData::explain)
    }

    fn unknown_count(doc: &SessionData, text: &str) -> usize {
        unknown_fields(text, doc, |_| Ok(())).map_or(0, |fields| fields.len())
    }

    fn emit(doc: &SessionData, at: &Emit<'_>, sink: &mut dyn RowSink) {
        emit_session(doc, &Extras::default(), at, sink)
    }
}
