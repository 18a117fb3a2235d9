//! `rbk lsp`: the language server. Editors speak LSP over stdio; every
//! answer comes from the same checker, resolver, formatter and builtin
//! table `rbk check` and `rbk fmt` use.
//!
//! One thread handles messages in order (`lsp-server`, as rust-analyzer
//! does). An edit is checked once the author pauses for [`DEBOUNCE`]; a
//! request about a file with unchecked edits checks it first. Files that
//! `use` an edited file are checked again with it. A broken file (every
//! keystroke makes one) still has its diagnostics; hover, navigation and
//! completion use the latest version of it that parsed.
mod actions;
mod analysis;
mod complete;
mod hover;
mod outline;
mod symbols;
mod text;

use std::collections::HashMap;
use std::error::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    References, Request as _,
};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CompletionOptions, CompletionParams, CompletionResponse,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, DocumentFormattingParams, DocumentSymbolParams,
    DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, Location, MarkupContent, MarkupKind,
    OneOf, Position, PublishDiagnosticsParams, Range, ReferenceParams, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};

pub use analysis::Analysis;
use analysis::{canonical, to_lsp};
use text::{path_to_uri, uri_to_path, LineIndex};

/// How long the author must pause before an edit is checked: longer than
/// the gap between two keystrokes of a fast typist (~30 ms), short enough
/// that a 1 MB file still shows its diagnostics within 200 ms.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

type BoxError = Box<dyn Error + Send + Sync>;

/// Serve LSP on stdin and stdout until the editor says `exit`.
pub fn serve_stdio() -> Result<(), BoxError> {
    let (conn, io) = Connection::stdio();
    serve(&conn)?;
    drop(conn);
    io.join()?;
    Ok(())
}

/// Serve LSP on `conn` (tests pass an in-memory connection).
pub fn serve(conn: &Connection) -> Result<(), BoxError> {
    let (id, params) = conn.initialize_start()?;
    let init: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "rbk".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    conn.initialize_finish(id, serde_json::to_value(result)?)?;
    let mut server = LanguageServer::new(conn, site_option(&init));
    loop {
        let msg = match server.next_deadline() {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                match conn.receiver.recv_timeout(wait) {
                    Ok(m) => Some(m),
                    Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => None,
                    Err(_) => return Ok(()),
                }
            }
            None => match conn.receiver.recv() {
                Ok(m) => Some(m),
                Err(_) => return Ok(()),
            },
        };
        match msg {
            Some(Message::Request(req)) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                server.request(req);
            }
            Some(Message::Notification(n)) => {
                if n.method == "exit" {
                    return Ok(());
                }
                server.notification(n);
            }
            Some(Message::Response(_)) | None => {}
        }
        server.check_due();
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), ">".to_string()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// `initializationOptions: {"site": "sites/capi-mgmt.toml"}`: the site file
/// whose values hover shows (relative to the first workspace folder).
fn site_option(init: &InitializeParams) -> Option<PathBuf> {
    let site = init
        .initialization_options
        .as_ref()?
        .get("site")?
        .as_str()?;
    let path = PathBuf::from(site);
    if path.is_absolute() {
        return Some(path);
    }
    let base = init
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| uri_to_path(&f.uri))
        .or_else(|| std::env::current_dir().ok())?;
    Some(base.join(path))
}

struct OpenDocument {
    uri: Uri,
    path: PathBuf,
    /// The canonical path, to match the files other documents `use`.
    canonical: PathBuf,
    text: String,
    version: i32,
    /// When the latest unchecked edit arrived (None: checked): the check
    /// waits for a pause after it.
    edited: Option<Instant>,
    latest: Option<Rc<Analysis>>,
    /// The latest analysis whose text parsed.
    parsed: Option<Rc<Analysis>>,
}

struct LanguageServer<'c> {
    conn: &'c Connection,
    /// Open documents by URI.
    docs: HashMap<String, OpenDocument>,
    site: Option<PathBuf>,
}

impl<'c> LanguageServer<'c> {
    fn new(conn: &'c Connection, site: Option<PathBuf>) -> Self {
        LanguageServer {
            conn,
            docs: HashMap::new(),
            site,
        }
    }

    /// When the next debounced check is due.
    fn next_deadline(&self) -> Option<Instant> {
        self.docs
            .values()
            .filter_map(|d| d.edited)
            .min()
            .map(|t| t + DEBOUNCE)
    }

    fn send(&self, msg: impl Into<Message>) {
        // A closed channel means the editor went away; the loop ends on
        // the next receive.
        let _ = self.conn.sender.send(msg.into());
    }

    /// Tell the editor (its log) and stderr that something went wrong.
    fn log_error(&self, msg: &str) {
        eprintln!("rbk lsp: {msg}");
        let params = lsp_types::LogMessageParams {
            typ: lsp_types::MessageType::ERROR,
            message: format!("rbk lsp: {msg}"),
        };
        self.send(Notification::new(
            lsp_types::notification::LogMessage::METHOD.to_string(),
            params,
        ));
    }

    // ------------------------------------------------------------ checking

    /// Check every document whose author has paused.
    fn check_due(&mut self) {
        let now = Instant::now();
        let due: Vec<Uri> = self
            .docs
            .values()
            .filter(|d| d.edited.is_some_and(|t| t + DEBOUNCE <= now))
            .map(|d| d.uri.clone())
            .collect();
        for uri in due {
            self.refresh(&uri);
        }
    }

    /// Check `uri` now if it has unchecked edits, then the open files that
    /// `use` it.
    fn refresh(&mut self, uri: &Uri) {
        let Some(doc) = self.docs.get(uri.as_str()) else {
            return;
        };
        if doc.edited.is_none() && doc.latest.is_some() {
            return;
        }
        let changed = doc.canonical.clone();
        self.analyse(uri);
        self.recheck_users(&changed, uri);
    }

    /// Check the open documents (other than `except`) that use `path`.
    fn recheck_users(&mut self, path: &Path, except: &Uri) {
        let users: Vec<Uri> = self
            .docs
            .values()
            .filter(|d| &d.uri != except && d.latest.as_ref().is_some_and(|a| a.uses(path)))
            .map(|d| d.uri.clone())
            .collect();
        for u in users {
            self.analyse(&u);
        }
    }

    fn analyse(&mut self, uri: &Uri) {
        let Some(doc) = self.docs.get(uri.as_str()) else {
            return;
        };
        let docs = &self.docs;
        // Used files are read from the editor when open there.
        let read = |p: &Path| -> std::io::Result<String> {
            let c = canonical(p);
            match docs.values().find(|d| d.canonical == c) {
                Some(d) => Ok(d.text.clone()),
                None => std::fs::read_to_string(p),
            }
        };
        let analysed = catch_unwind(AssertUnwindSafe(|| {
            Analysis::new(doc.uri.clone(), &doc.path, doc.text.clone(), &read)
        }));
        let Some(doc) = self.docs.get_mut(uri.as_str()) else {
            return;
        };
        doc.edited = None;
        let Ok(a) = analysed else {
            eprintln!(
                "rbk lsp: internal error while checking {}",
                doc.path.display()
            );
            return;
        };
        let a = Rc::new(a);
        if a.parsed() {
            doc.parsed = Some(Rc::clone(&a));
        }
        let params = PublishDiagnosticsParams {
            uri: doc.uri.clone(),
            diagnostics: a.lsp_diagnostics(),
            version: Some(doc.version),
        };
        doc.latest = Some(a);
        self.send(Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        ));
    }

    // ------------------------------------------------------- notifications

    fn notification(&mut self, n: Notification) {
        let method = n.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handle_notification(n)));
        if !matches!(outcome, Ok(Ok(()))) {
            self.log_error(&format!("could not handle {method}"));
        }
    }

    fn handle_notification(&mut self, n: Notification) -> Result<(), BoxError> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: DidOpenTextDocumentParams = serde_json::from_value(n.params)?;
                let path = uri_to_path(&p.text_document.uri);
                let uri = p.text_document.uri;
                let doc = OpenDocument {
                    uri: uri.clone(),
                    canonical: canonical(&path),
                    path,
                    text: p.text_document.text,
                    version: p.text_document.version,
                    edited: None,
                    latest: None,
                    parsed: None,
                };
                let changed = doc.canonical.clone();
                self.docs.insert(uri.as_str().to_string(), doc);
                self.analyse(&uri);
                // Its users read it from disk until now.
                self.recheck_users(&changed, &uri);
            }
            DidChangeTextDocument::METHOD => {
                let p: DidChangeTextDocumentParams = serde_json::from_value(n.params)?;
                let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
                    return Ok(());
                };
                for change in p.content_changes {
                    match change.range {
                        Some(range) => {
                            let lines = LineIndex::new(&doc.text);
                            let start = lines.offset(&doc.text, range.start);
                            let end = lines.offset(&doc.text, range.end).max(start);
                            doc.text.replace_range(start..end, &change.text);
                        }
                        None => doc.text = change.text,
                    }
                }
                doc.version = p.text_document.version;
                doc.edited = Some(Instant::now());
            }
            DidSaveTextDocument::METHOD => {
                let p: DidSaveTextDocumentParams = serde_json::from_value(n.params)?;
                self.refresh(&p.text_document.uri);
            }
            DidCloseTextDocument::METHOD => {
                let p: DidCloseTextDocumentParams = serde_json::from_value(n.params)?;
                if let Some(doc) = self.docs.remove(p.text_document.uri.as_str()) {
                    // Its users read the file on disk again.
                    self.recheck_users(&doc.canonical, &doc.uri);
                }
                let params = PublishDiagnosticsParams {
                    uri: p.text_document.uri,
                    diagnostics: Vec::new(),
                    version: None,
                };
                self.send(Notification::new(
                    PublishDiagnostics::METHOD.to_string(),
                    params,
                ));
            }
            _ => {}
        }
        Ok(())
    }

    // ------------------------------------------------------------ requests

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        let response = match catch_unwind(AssertUnwindSafe(|| self.handle_request(req))) {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(Failure::Unknown)) => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("rbk lsp does not handle {method}"),
            ),
            Ok(Err(Failure::BadParams(e))) => {
                Response::new_err(id, ErrorCode::InvalidParams as i32, e)
            }
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("rbk lsp: internal error in {method}"),
            ),
        };
        self.send(response);
    }

    fn handle_request(&mut self, req: Request) -> Result<serde_json::Value, Failure> {
        fn params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P, Failure> {
            serde_json::from_value(v).map_err(|e| Failure::BadParams(e.to_string()))
        }
        fn json(v: impl serde::Serialize) -> Result<serde_json::Value, Failure> {
            serde_json::to_value(v).map_err(|e| Failure::BadParams(e.to_string()))
        }
        match req.method.as_str() {
            HoverRequest::METHOD => {
                let p: HoverParams = params(req.params)?;
                let tdp = p.text_document_position_params;
                json(self.hover(&tdp.text_document.uri, tdp.position))
            }
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = params(req.params)?;
                let tdp = p.text_document_position_params;
                let loc = self.definition(&tdp.text_document.uri, tdp.position);
                json(loc.map(GotoDefinitionResponse::Scalar))
            }
            References::METHOD => {
                let p: ReferenceParams = params(req.params)?;
                let tdp = p.text_document_position;
                let with_decl = p.context.include_declaration;
                json(self.references(&tdp.text_document.uri, tdp.position, with_decl))
            }
            Completion::METHOD => {
                let p: CompletionParams = params(req.params)?;
                let tdp = p.text_document_position;
                let items = self.completion(&tdp.text_document.uri, tdp.position);
                json(CompletionResponse::Array(items))
            }
            DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = params(req.params)?;
                let uri = p.text_document.uri;
                self.refresh(&uri);
                let symbols = self
                    .docs
                    .get(uri.as_str())
                    .and_then(|d| d.parsed.as_ref())
                    .map(|a| outline::outline(a))
                    .unwrap_or_default();
                json(DocumentSymbolResponse::Nested(symbols))
            }
            Formatting::METHOD => {
                let p: DocumentFormattingParams = params(req.params)?;
                json(self.format(&p.text_document.uri))
            }
            CodeActionRequest::METHOD => {
                let p: CodeActionParams = params(req.params)?;
                json(self.code_actions(&p.text_document.uri, p.range))
            }
            _ => Err(Failure::Unknown),
        }
    }

    /// The latest analysis that parsed, checked first if edits wait, and
    /// the byte offset of `pos` in its text.
    fn navigation(&mut self, uri: &Uri, pos: Position) -> Option<(Rc<Analysis>, usize)> {
        self.refresh(uri);
        let a = Rc::clone(self.docs.get(uri.as_str())?.parsed.as_ref()?);
        let offset = a.lines.offset(a.text(), pos);
        Some((a, offset))
    }

    fn hover(&mut self, uri: &Uri, pos: Position) -> Option<Hover> {
        let (a, offset) = self.navigation(uri, pos)?;
        let doc_path = self.docs.get(uri.as_str())?.path.clone();
        let site = self.site.clone();
        let site_values =
            move || hover::read_site_files(&hover::site_files(site.as_deref(), &doc_path));
        let (value, span) = hover::hover(&a, offset, &site_values)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(a.lines.range(a.text(), span)),
        })
    }

    fn definition(&mut self, uri: &Uri, pos: Position) -> Option<Location> {
        let (a, offset) = self.navigation(uri, pos)?;
        let occ = a.index.at(0, offset)?;
        let def = a.index.defs.get(&occ.key)?;
        a.location(def.unit, def.span)
    }

    /// Every use of the name at `pos` in every open file's compilation.
    fn references(&mut self, uri: &Uri, pos: Position, with_decl: bool) -> Vec<Location> {
        let Some((a, offset)) = self.navigation(uri, pos) else {
            return Vec::new();
        };
        let Some(key) = a.index.at(0, offset).map(|o| o.key.clone()) else {
            return Vec::new();
        };
        let mut out: Vec<Location> = Vec::new();
        for doc in self.docs.values() {
            let Some(a) = &doc.parsed else { continue };
            for o in a.index.references(&key) {
                if o.is_def && !with_decl {
                    continue;
                }
                if let Some(loc) = a.location(o.unit, o.span) {
                    if !out.contains(&loc) {
                        out.push(loc);
                    }
                }
            }
        }
        out.sort_by(|x, y| {
            (x.uri.as_str(), x.range.start.line, x.range.start.character).cmp(&(
                y.uri.as_str(),
                y.range.start.line,
                y.range.start.character,
            ))
        });
        out
    }

    fn completion(&mut self, uri: &Uri, pos: Position) -> Vec<lsp_types::CompletionItem> {
        self.refresh(uri);
        let Some(doc) = self.docs.get(uri.as_str()) else {
            return Vec::new();
        };
        let offset = LineIndex::new(&doc.text).offset(&doc.text, pos);
        complete::complete(&doc.text, offset, doc.parsed.as_deref())
    }

    /// Exactly `rbk fmt`: one edit replacing the whole text, none when it
    /// is already formatted or does not parse.
    fn format(&mut self, uri: &Uri) -> Vec<TextEdit> {
        let Some(doc) = self.docs.get(uri.as_str()) else {
            return Vec::new();
        };
        let name = doc.path.display().to_string();
        let Ok(formatted) = crate::formatter::format_str(&name, &doc.text) else {
            return Vec::new();
        };
        if formatted == doc.text {
            return Vec::new();
        }
        let lines = LineIndex::new(&doc.text);
        let end = lines.position(&doc.text, doc.text.len());
        vec![TextEdit::new(
            Range::new(Position::new(0, 0), end),
            formatted,
        )]
    }

    fn code_actions(&mut self, uri: &Uri, range: Range) -> Vec<CodeActionOrCommand> {
        self.refresh(uri);
        let Some(a) = self.docs.get(uri.as_str()).and_then(|d| d.latest.clone()) else {
            return Vec::new();
        };
        let text = a.text();
        let (from, to) = (
            a.lines.offset(text, range.start),
            a.lines.offset(text, range.end),
        );
        let root = &a.comp.root.source.name;
        let stmts = actions::statements(&a.comp);
        let mut out = Vec::new();
        for d in &a.diags {
            if d.source.as_ref().is_some_and(|s| &s.name != root) {
                continue;
            }
            let Some(span) = d.primary_span() else {
                continue;
            };
            if span.offset() > to || span.offset() + span.len() < from {
                continue;
            }
            let Some(fix) = actions::fix(d, text, a.comp.procedure(), &stmts) else {
                continue;
            };
            let edits: Vec<TextEdit> = fix
                .edits
                .iter()
                .map(|(r, t)| {
                    let span = crate::syntax::ast::Span::new(r.start.into(), r.end - r.start);
                    TextEdit::new(a.lines.range(text, span), t.clone())
                })
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(d, uri, &a.lines, text)]),
                edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))),
                is_preferred: Some(true),
                ..Default::default()
            }));
        }
        out
    }
}

enum Failure {
    Unknown,
    BadParams(String),
}

/// The `file://` URI of `path`, for tests and benchmarks that drive the
/// server in memory.
pub fn uri_of(path: &Path) -> Option<Uri> {
    path_to_uri(path)
}
